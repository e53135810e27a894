package flowthings

import (
	"encoding/json"
	"errors"
	"os"
)

// VCAPEnv is the environment variable Cloud Foundry (Bluemix) puts bound
// service credentials in.
const VCAPEnv = "VCAP_SERVICES"

// Credentials are an account and its token. String and GoString hide the
// token, so printing Credentials (%v, %+v, %#v) never reveals it.
type Credentials struct {
	Account string
	Token   string
}

// String describes the credentials without the token.
func (c Credentials) String() string {
	return "flowthings credentials for account " + c.Account + " (token redacted)"
}

// GoString is String, so that %#v hides the token too.
func (c Credentials) GoString() string { return c.String() }

// Config returns cfg with the account and token set: c.Config(Config{Host: …}).
func (c Credentials) Config(cfg Config) Config {
	cfg.Account, cfg.Token = c.Account, c.Token
	return cfg
}

// ErrNoVCAP is wrapped by the CredentialsError of an unset or empty
// VCAP_SERVICES.
var ErrNoVCAP = errors.New(VCAPEnv + " is not set")

// CredentialsError explains why no credentials could be read. It never
// contains the token or any other part of the input.
type CredentialsError struct {
	Reason string
	Err    error // ErrNoVCAP when the variable is unset
}

func (e *CredentialsError) Error() string { return "flowthings: no VCAP credentials: " + e.Reason }
func (e *CredentialsError) Unwrap() error { return e.Err }

// ParseVCAP reads flowthings[0].credentials.account and .token from the JSON
// of VCAP_SERVICES. A document that is not JSON, has no flowthings service,
// or lacks either string is a *CredentialsError.
func ParseVCAP(data []byte) (Credentials, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		// json errors may quote the input: keep only our own words.
		return Credentials{}, &CredentialsError{Reason: "it is not a JSON object"}
	}
	raw, ok := doc["flowthings"]
	if !ok {
		return Credentials{}, &CredentialsError{Reason: `it has no "flowthings" service`}
	}
	var services []struct {
		Credentials *struct {
			Account *string `json:"account"`
			Token   *string `json:"token"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal(raw, &services); err != nil {
		return Credentials{}, &CredentialsError{Reason: `"flowthings" is not a list of services with credentials`}
	}
	switch {
	case len(services) == 0:
		return Credentials{}, &CredentialsError{Reason: `the "flowthings" list is empty`}
	case services[0].Credentials == nil:
		return Credentials{}, &CredentialsError{Reason: "flowthings[0] has no credentials"}
	}
	cr := services[0].Credentials
	switch {
	case cr.Account == nil || *cr.Account == "":
		return Credentials{}, &CredentialsError{Reason: "flowthings[0].credentials.account is missing or empty"}
	case cr.Token == nil || *cr.Token == "":
		return Credentials{}, &CredentialsError{Reason: "flowthings[0].credentials.token is missing or empty"}
	}
	return Credentials{Account: *cr.Account, Token: *cr.Token}, nil
}

// VCAPCredentials reads the credentials from the VCAP_SERVICES environment
// variable. If it is unset or unusable, def is returned when given (non-nil),
// else a *CredentialsError (wrapping ErrNoVCAP when unset).
func VCAPCredentials(def *Credentials) (Credentials, error) {
	var (
		c   Credentials
		err error
	)
	if data := os.Getenv(VCAPEnv); data == "" {
		err = &CredentialsError{Reason: VCAPEnv + " is not set", Err: ErrNoVCAP}
	} else {
		c, err = ParseVCAP([]byte(data))
	}
	if err != nil && def != nil {
		return *def, nil
	}
	return c, err
}
