package nethttp_test

import (
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmulatorDevice(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	dev, _, err := c.Device.Create(ctx, &flowthings.Device{DisplayName: flowthings.Ptr("thermostat"), Path: flowthings.Ptr("/dev/home/thermo")}, nil)
	require.NoError(t, err)
	assert.Equal(t, "UNSEEN", dev.GetStatus())
	assert.Equal(t, int64(-1), dev.GetTimeSinceLastSeen())

	// Its flows exist under its path.
	flows, _, err := c.Flow.FindMany(ctx, core.Params{"sort": "path", "order": "asc"},
		filter.M("path").Matches(`^/dev/home/thermo/`, ""))
	require.NoError(t, err)
	var paths []string
	for _, f := range flows {
		paths = append(paths, f.GetPath())
	}
	assert.Equal(t, []string{"/dev/home/thermo/command", "/dev/home/thermo/default", "/dev/home/thermo/report"}, paths)

	// Its token is readable and grants drop read/write on the path.
	tokID := dev.GetTokenID()
	assert.Regexp(t, "^k[0-9a-f]{24}$", tokID)
	tok, resp, err := c.Token.Read(ctx, tokID, core.Params{"refs": true})
	require.NoError(t, err)
	assert.Equal(t, map[string]flowthings.TokenPermission{"/dev/home/thermo": {DropRead: flowthings.Ptr(true), DropWrite: flowthings.Ptr(true)}}, tok.GetPaths())
	assert.NotNil(t, resp.References)
	// The device's token works: it may write to its default flow.
	devClient := env.clientAs(t, emulator.DefaultAccount, tok.GetTokenString())
	_, _, err = devClient.DropPath("/dev/home/thermo/default").Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"t": 21}}, nil)
	require.NoError(t, err)

	// refs resolve the device's tokenId.
	_, resp, err = c.Device.Read(ctx, dev.GetID(), core.Params{"refs": true})
	require.NoError(t, err)
	require.Contains(t, resp.References, tokID)
	assert.Equal(t, tokID, resp.References[tokID]["id"])

	// Deleting the device deletes its token (and keeps the flows).
	_, err = c.Device.Delete(ctx, dev.GetID(), nil)
	require.NoError(t, err)
	_, _, err = c.Token.Read(ctx, tokID, nil)
	assert.True(t, core.IsNotFound(err), "token after device delete: %v", err)
	flows, _, err = c.Flow.FindMany(ctx, nil, filter.M("path").Matches(`^/dev/home/thermo/`, ""))
	require.NoError(t, err)
	assert.Len(t, flows, 3)
}

func TestEmulatorIdentity(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	guestID := identityID(t, ctx, c, emulator.DefaultGuestAccount)
	assert.Regexp(t, "^i[0-9a-f]{24}$", devID)
	assert.NotEqual(t, devID, guestID)

	me, _, err := c.Identity.Read(ctx, devID, nil)
	require.NoError(t, err)
	assert.Equal(t, emulator.DefaultAccount, me.GetName())
	assert.NotEmpty(t, me.GetMasterToken(), "an identity sees its own master token")
	other, _, err := c.Identity.Read(ctx, guestID, nil)
	require.NoError(t, err)
	assert.Equal(t, emulator.DefaultGuestAccount, other.GetName())
	assert.Nil(t, other.MasterToken)

	found, _, err := c.Identity.FindMany(ctx, core.Params{"sort": "name", "order": "asc"})
	require.NoError(t, err)
	var names []string
	for _, o := range found {
		names = append(names, o.GetName())
	}
	assert.Equal(t, []string{emulator.DefaultAccount, emulator.DefaultGuestAccount}, names)
	many, _, err := c.Identity.ReadMany(ctx, []string{devID, guestID}, nil)
	require.NoError(t, err)
	assert.Len(t, many, 2)
}
