package bridge

import (
	"strconv"
	"strings"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter/eval/match"
)

// Filter programs are filters compiled for matching inside the module, with
// the filter language's own evaluator (filter/eval/match, the one the
// emulator runs), so that a JavaScript live query and a find agree on which
// drops match. Their regexes run on the Bridge's RegexEngine: in the module,
// JavaScript's RegExp (no regex engine is linked into the module).

// RegexEngine compiles the regexes of filter programs; Release frees one
// that Compile returned, when its program is released.
type RegexEngine interface {
	Compile(pattern, flags string) (match.Regexp, error)
	Release(match.Regexp)
}

// program is a compiled filter and the regexes it holds.
type program struct {
	prog    *match.Program
	regexes []match.Regexp
}

// CompileFilter compiles a filter tree (see RenderFilter; a {t:"text"} node
// for filter text) into a program: {id} for MatchFilter and Release, or
// {error}, an input error naming what cannot be evaluated (a regex the
// engine refuses, an unknown ZIP code, …).
func (b *Bridge) CompileFilter(tree *Obj) string {
	e, err := exprOf(tree, 0)
	if err != nil {
		return failure(err)
	}
	var regexes []match.Regexp
	opts := match.Options{Now: b.Now}
	if b.Regex != nil {
		opts.Regex = func(pattern, flags string) (match.Regexp, error) {
			re, err := b.Regex.Compile(pattern, flags)
			if err == nil {
				regexes = append(regexes, re)
			}
			return re, err
		}
	}
	prog, err := match.Compile(e, opts)
	if err != nil {
		b.releaseRegexes(regexes)
		return failure(&core.InputError{Field: "filter", Reason: strings.TrimPrefix(strings.TrimPrefix(err.Error(), "filter: "), "eval: "), Err: err})
	}
	id := b.nextID()
	b.programs[id] = &program{prog: prog, regexes: regexes}
	return newObject().num("id", float64(id)).String()
}

// MatchFilter matches a drop as the platform sends it (typed or plain
// elems) against a program (CompileFilter's id): {match: true|false}, or
// {error}.
func (b *Bridge) MatchFilter(id float64, drop *Obj) string {
	p, ok := b.programs[int(id)]
	if !ok {
		return failure(&core.InputError{Field: "program", Reason: "unknown or released filter program " + strconv.Itoa(int(id))})
	}
	if p.prog.Match(plainObject(drop)) {
		return `{"match":true}`
	}
	return `{"match":false}`
}

// releaseProgram forgets program id, if it is one, and frees its regexes.
func (b *Bridge) releaseProgram(id int) {
	if p, ok := b.programs[id]; ok {
		delete(b.programs, id)
		b.releaseRegexes(p.regexes)
	}
}

func (b *Bridge) releaseRegexes(regexes []match.Regexp) {
	for _, re := range regexes {
		b.Regex.Release(re)
	}
}

// plainObject converts an argument object for the evaluator, which reads
// map[string]any (key order does not matter to it).
func plainObject(o *Obj) map[string]any {
	m := make(map[string]any, len(o.Keys))
	for k, v := range o.Vals {
		m[k] = plainValue(v)
	}
	return m
}

func plainValue(v any) any {
	switch x := v.(type) {
	case *Obj:
		return plainObject(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(e)
		}
		return out
	}
	return v
}
