package flowthings

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
)

func TestParseVCAP(t *testing.T) {
	const secret = "vcap-secret-token-42"
	good := `{"flowthings":[{"name":"ft","credentials":{"account":"alice","token":"` + secret + `"}}],"other":[]}`
	c, err := ParseVCAP([]byte(good))
	require.NoError(t, err)
	assert.Equal(t, Credentials{Account: "alice", Token: secret}, c)
	cfg := c.Config(core.Config{Host: "localhost:3000", Insecure: true})
	assert.Equal(t, core.Config{Account: "alice", Token: secret, Host: "localhost:3000", Insecure: true}, cfg)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, c), secret, format)
	}

	bad := []struct {
		name, doc, reason string
	}{
		{"not JSON", `{"flowthings":[{"credentials":{"token":"` + secret + `"`, "not a JSON object"},
		{"array", `[]`, "not a JSON object"},
		{"no service", `{"mongodb":[]}`, `no "flowthings"`},
		{"service not a list", `{"flowthings":{"credentials":{}}}`, "not a list"},
		{"empty list", `{"flowthings":[]}`, "empty"},
		{"no credentials", `{"flowthings":[{"name":"x"}]}`, "no credentials"},
		{"no account", `{"flowthings":[{"credentials":{"token":"` + secret + `"}}]}`, "account is missing"},
		{"empty account", `{"flowthings":[{"credentials":{"account":"","token":"` + secret + `"}}]}`, "account is missing"},
		{"no token", `{"flowthings":[{"credentials":{"account":"alice"}}]}`, "token is missing"},
		{"token a number", `{"flowthings":[{"credentials":{"account":"alice","token":12345}}]}`, "not a list"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseVCAP([]byte(tc.doc))
			var ce *CredentialsError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), tc.reason)
			assert.NotContains(t, err.Error(), secret)
			assert.NotErrorIs(t, err, ErrNoVCAP)
		})
	}
}

func TestVCAPCredentials(t *testing.T) {
	def := &Credentials{Account: "fallback", Token: "t"}

	t.Setenv(VCAPEnv, "")
	_, err := VCAPCredentials(nil)
	assert.ErrorIs(t, err, ErrNoVCAP)
	c, err := VCAPCredentials(def)
	require.NoError(t, err)
	assert.Equal(t, *def, c)

	t.Setenv(VCAPEnv, `{"flowthings":[{"credentials":{"account":"bob","token":"secret"}}]}`)
	c, err = VCAPCredentials(def)
	require.NoError(t, err)
	assert.Equal(t, Credentials{Account: "bob", Token: "secret"}, c)

	t.Setenv(VCAPEnv, `garbage secret`)
	_, err = VCAPCredentials(nil)
	var ce *CredentialsError
	require.ErrorAs(t, err, &ce)
	assert.NotContains(t, err.Error(), "secret")
	c, err = VCAPCredentials(def)
	require.NoError(t, err)
	assert.Equal(t, *def, c)
}
