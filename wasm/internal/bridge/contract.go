package bridge

import "strconv"

//go:generate go run ./jsgen

// Functions is the contract between the wasm module and JavaScript: every
// function the module serves, each declared once here by its name, its
// typed parameters and the Go function it runs. From this one list come
// the module's function table (wasm/main.go) and, through
// `go generate ./wasm/internal/bridge`, js/bridge.js: one named export per
// function, the call stub JavaScript imports (`import { build } from
// './bridge.js'`), so that a misspelled function fails at import.
// TestBridgeJSUpToDate (package jsgen) fails when js/bridge.js is stale.
//
// A call's arguments are checked against the declaration before the Go
// function runs: a missing argument, an extra one or one of the wrong type
// is an internal error naming the function and the argument (a bug in the
// JavaScript package, never the user's input).
//
// To add a function:
//
//  1. Write it as a method of Bridge in plain Go (tested natively): its
//     parameters are the types of the argument kinds below, in order, and
//     it returns its result as JSON text — an object that is a success or
//     has an "error" member (failure(err); see out.go for the writers).
//
//  2. Declare it below with FuncN for its N parameters, one argument kind
//     per parameter, named as the JavaScript stub's parameters will be:
//
//     Func2("wsFoo", NumberArg("engine"), StringArg("text"), b.WSFoo),
//
//     The compiler checks that the Go function takes exactly the declared
//     types. Names are unique; the order does not matter.
//
//  3. Run `go generate ./wasm/internal/bridge`: js/bridge.js gains
//     `export function wsFoo(engine, text)`.
//
//  4. In js/, `import { wsFoo } from './bridge.js'` and call it: it returns
//     the parsed result, or throws the error as its FlowThingsError subclass.
//
// A function that needs more than six parameters takes an object instead.
func (b *Bridge) Functions() []Function {
	return []Function{
		Func1("configure", ObjectArg("options"), b.Configure),
		Func1("release", NumberArg("id"), b.Release),
		Func2("build", NumberArg("cfg"), ObjectArg("op"), b.Build),
		Func6("raw", NumberArg("cfg"), StringArg("method"), StringArg("path"), StringOrNullArg("body"),
			ObjectOrNullArg("params"), BoolArg("wsHost"), b.Raw),
		Func4("decodeHead", NumberArg("cfg"), ObjectArg("request"), NumberArg("status"), StringArg("headJSON"), b.DecodeHead),
		Func4("decode", NumberArg("cfg"), ObjectArg("request"), NumberArg("status"), StringArg("text"), b.Decode),
		Func5("decodeExcerpt", NumberArg("cfg"), ObjectArg("request"), NumberArg("status"), StringArg("excerpt"),
			StringOrNullArg("shape"), b.DecodeExcerpt),
		Func1("renderFilter", ObjectArg("tree"), b.RenderFilter),
		Func1("parseFilter", StringArg("text"), b.ParseFilter),
		Func1("compileFilter", ObjectArg("tree"), b.CompileFilter),
		Func2("matchFilter", NumberArg("program"), ObjectArg("drop"), b.MatchFilter),
		Func2("wsNew", NumberArg("cfg"), ObjectArg("options"), b.WSNew),
		Func1("wsConnect", NumberArg("engine"), b.WSConnect),
		Func4("wsSession", NumberArg("engine"), ObjectArg("request"), NumberArg("status"), StringArg("text"), b.WSSession),
		Func1("wsOpened", NumberArg("engine"), b.WSOpened),
		Func2("wsClosed", NumberArg("engine"), ObjectOrNullArg("reason"), b.WSClosed),
		Func2("wsTimer", NumberArg("engine"), NumberArg("timer"), b.WSTimer),
		Func2("wsFrame", NumberArg("engine"), StringArg("frame"), b.WSFrame),
		Func2("wsPushes", NumberArg("engine"), StringArg("pushes"), b.WSPushes),
		Func3("wsFound", NumberArg("engine"), NumberArg("find"), ObjectArg("outcome"), b.WSFound),
		Func2("wsSend", NumberArg("engine"), ObjectArg("frame"), b.WSSend),
		Func4("wsSubscribe", NumberArg("engine"), StringArg("resource"), NumberArg("handler"), BoolArg("backfill"), b.WSSubscribe),
		Func3("wsUnsubscribe", NumberArg("engine"), StringArg("resource"), NumberArg("handler"), b.WSUnsubscribe),
		Func2("wsCancel", NumberArg("engine"), NumberArg("call"), b.WSCancel),
		Func1("wsClose", NumberArg("engine"), b.WSClose),
	}
}

// Function is one declared function of the contract.
type Function struct {
	Name   string
	Params []Param
	Go     any // the Go function, for the generator's documentation
	run    func(args []any) string
}

// Param is a declared parameter: its name and the kind of argument it takes.
type Param struct {
	Name string
	Kind Kind
}

// Kind is the kind of value an argument must be, as JSON.stringify writes
// it (undefined becomes null).
type Kind int

// The argument kinds and the Go types they arrive as.
const (
	Number       Kind = iota // a number: float64
	String                   // a string: string
	Bool                     // a boolean: bool
	Object                   // an object (not an array, not null): *Obj
	ObjectOrNull             // an object or null: *Obj, nil for null
	StringOrNull             // a string or null: any, a string or nil
)

// accepts reports whether v, a decoded argument, is of kind k.
func (k Kind) accepts(v any) bool {
	switch v.(type) {
	case float64:
		return k == Number
	case string:
		return k == String || k == StringOrNull
	case bool:
		return k == Bool
	case *Obj:
		return k == Object || k == ObjectOrNull
	case nil:
		return k == ObjectOrNull || k == StringOrNull
	}
	return false
}

// JS is the kind as a JSDoc type.
func (k Kind) JS() string {
	return [...]string{Number: "number", String: "string", Bool: "boolean", Object: "object",
		ObjectOrNull: "object | null", StringOrNull: "string | null"}[k]
}

func (k Kind) want() string {
	return [...]string{Number: "a number", String: "a string", Bool: "a boolean", Object: "an object",
		ObjectOrNull: "an object or null", StringOrNull: "a string or null"}[k]
}

// Arg declares a parameter of kind Kind whose Go type is T.
type Arg[T any] struct{ Param }

// NumberArg declares a number parameter (Go float64).
func NumberArg(name string) Arg[float64] { return Arg[float64]{Param{name, Number}} }

// StringArg declares a string parameter.
func StringArg(name string) Arg[string] { return Arg[string]{Param{name, String}} }

// BoolArg declares a boolean parameter.
func BoolArg(name string) Arg[bool] { return Arg[bool]{Param{name, Bool}} }

// ObjectArg declares an object parameter (Go *Obj, never nil).
func ObjectArg(name string) Arg[*Obj] { return Arg[*Obj]{Param{name, Object}} }

// ObjectOrNullArg declares a parameter that is an object or null (Go *Obj,
// nil for null).
func ObjectOrNullArg(name string) Arg[*Obj] { return Arg[*Obj]{Param{name, ObjectOrNull}} }

// StringOrNullArg declares a parameter that is a string or null (Go any:
// a string, or nil for null).
func StringOrNullArg(name string) Arg[any] { return Arg[any]{Param{name, StringOrNull}} }

// of returns argument i, which Call has checked to be of the declared
// kind; null arrives as T's zero value.
func (a Arg[T]) of(args []any, i int) T {
	v, _ := args[i].(T)
	return v
}

// Func1 declares a function of one parameter.
func Func1[A any](name string, a Arg[A], fn func(A) string) Function {
	return Function{name, []Param{a.Param}, fn, func(x []any) string { return fn(a.of(x, 0)) }}
}

// Func2 declares a function of two parameters.
func Func2[A, B any](name string, a Arg[A], b Arg[B], fn func(A, B) string) Function {
	return Function{name, []Param{a.Param, b.Param}, fn, func(x []any) string { return fn(a.of(x, 0), b.of(x, 1)) }}
}

// Func3 declares a function of three parameters.
func Func3[A, B, C any](name string, a Arg[A], b Arg[B], c Arg[C], fn func(A, B, C) string) Function {
	return Function{name, []Param{a.Param, b.Param, c.Param}, fn, func(x []any) string {
		return fn(a.of(x, 0), b.of(x, 1), c.of(x, 2))
	}}
}

// Func4 declares a function of four parameters.
func Func4[A, B, C, D any](name string, a Arg[A], b Arg[B], c Arg[C], d Arg[D], fn func(A, B, C, D) string) Function {
	return Function{name, []Param{a.Param, b.Param, c.Param, d.Param}, fn, func(x []any) string {
		return fn(a.of(x, 0), b.of(x, 1), c.of(x, 2), d.of(x, 3))
	}}
}

// Func5 declares a function of five parameters.
func Func5[A, B, C, D, E any](name string, a Arg[A], b Arg[B], c Arg[C], d Arg[D], e Arg[E], fn func(A, B, C, D, E) string) Function {
	return Function{name, []Param{a.Param, b.Param, c.Param, d.Param, e.Param}, fn, func(x []any) string {
		return fn(a.of(x, 0), b.of(x, 1), c.of(x, 2), d.of(x, 3), e.of(x, 4))
	}}
}

// Func6 declares a function of six parameters.
func Func6[A, B, C, D, E, F any](name string, a Arg[A], b Arg[B], c Arg[C], d Arg[D], e Arg[E], f Arg[F], fn func(A, B, C, D, E, F) string) Function {
	return Function{name, []Param{a.Param, b.Param, c.Param, d.Param, e.Param, f.Param}, fn, func(x []any) string {
		return fn(a.of(x, 0), b.of(x, 1), c.of(x, 2), d.of(x, 3), e.of(x, 4), f.of(x, 5))
	}}
}

// Call checks args, the decoded argument list, against the declaration and
// runs the function: its JSON result, or an internal error naming the
// function and the first argument that does not match.
func (f Function) Call(args []any) string {
	if len(args) != len(f.Params) {
		return InternalError(f.Name, "takes "+count(len(f.Params), "argument")+", not "+strconv.Itoa(len(args)))
	}
	for i, p := range f.Params {
		if !p.Kind.accepts(args[i]) {
			return InternalError(f.Name, "argument "+strconv.Itoa(i+1)+" ("+p.Name+") must be "+p.Kind.want()+", not "+jsType(args[i]))
		}
	}
	return f.run(args)
}

// count writes n things.
func count(n int, thing string) string {
	if n != 1 {
		thing += "s"
	}
	return strconv.Itoa(n) + " " + thing
}
