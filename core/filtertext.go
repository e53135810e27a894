package core

import (
	"strings"

	"github.com/flowthings/flowthings-wasm/filter"
)

// FilterText renders a filter param value: a string (sent as it is), a
// filter.Expr, any other filter expression with String() string, or a list
// of these ([]string, []any or []filter.Expr), AND-ed left to right as
// "(a) && (b)".
// Empty strings and nil entries are skipped; a list of one renders as that
// one filter, without parentheses.
//
// A filter.Expr is rendered with filter.Render, which validates it: the
// builders of package filter never fail, they record a bad construction (an
// invalid member name, NaN, an unknown unit…) and Render reports it. Such an
// error becomes an *InputError that wraps it, so errors.Is(err,
// filter.ErrInvalid) holds. Other expressions may report the same way
// through an Err() error method.
//
// The lists are these three slice types, not any slice (put other
// expressions in a []any): telling slices apart in general takes
// reflection, which with fmt added about 100 KB of gzip to the wasm module,
// which links this function.
func FilterText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case filter.Expr:
		s, err := filter.Render(v)
		if err != nil {
			return "", &InputError{Field: "filter", Reason: err.Error(), Err: err}
		}
		return s, nil
	case []string:
		return andAll(len(v), func(i int) any { return v[i] })
	case []any:
		return andAll(len(v), func(i int) any { return v[i] })
	case []filter.Expr:
		return andAll(len(v), func(i int) any { return v[i] })
	}
	if e, ok := v.(interface{ Err() error }); ok {
		if err := e.Err(); err != nil {
			return "", &InputError{Field: "filter", Reason: err.Error(), Err: err}
		}
	}
	if s, ok := v.(stringer); ok {
		return stringOf(s)
	}
	return "", &InputError{Field: "filter", Reason: "unsupported value " + describe(v) +
		": want filter text, a filter expression or a list of them ([]string, []any, []filter.Expr)"}
}

// stringer is fmt.Stringer, without importing fmt.
type stringer = interface{ String() string }

// stringOf renders a filter expression of another package. A nil pointer
// of a type whose String method does not handle nil panics: that is
// reported as an error.
func stringOf(s stringer) (text string, err error) {
	defer func() {
		if recover() != nil {
			err = &InputError{Field: "filter", Reason: "the filter expression's String method failed (a nil pointer?)"}
		}
	}()
	return s.String(), nil
}

// andAll renders the n filters item(0)…item(n-1) AND-ed.
func andAll(n int, item func(int) any) (string, error) {
	parts := make([]string, 0, n)
	for i := range n {
		s, err := FilterText(item(i))
		if err != nil {
			return "", err
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	return and(parts), nil
}

func and(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" && ")
		}
		b.WriteByte('(')
		b.WriteString(p)
		b.WriteByte(')')
	}
	return b.String()
}

// describe names the kind of an unsupported value.
func describe(v any) string {
	switch v.(type) {
	case bool:
		return "(a boolean)"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr, float32, float64:
		return "(a number)"
	case map[string]any, map[string]string:
		return "(a map)"
	}
	return "(of an unsupported type)"
}
