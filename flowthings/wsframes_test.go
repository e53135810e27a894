package flowthings

import (
	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/internal/wstest"
)

var wsTestCfg = core.Config{Account: "alice", Token: "T0ken", Host: "emu.local:8080", Insecure: true}

const (
	flowA = "f53b1d1600cf27b75148de0ac"
	flowB = "f000000000000000000000001"
	pathA = "/alice/coaster/total"
)

var (
	msgIDOf  = wstest.MsgIDOf
	okReply  = wstest.OKReply
	errReply = wstest.ErrReply
	push     = wstest.Push
	drop     = wstest.Drop
)
