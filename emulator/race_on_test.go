//go:build race

package emulator

// raceEnabled: the race detector slows everything down several times;
// tests that need long operations make them shorter.
const raceEnabled = true
