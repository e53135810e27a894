package core

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/flowthings/flowthings-wasm/filter"
)

// FilterText renders a filter param value: a string (sent as it is), a
// filter.Expr, any other filter expression with String() string, or a list
// of these ([]string, []any, []filter.Expr, …), AND-ed left to right as
// "(a) && (b)". Empty strings and nil entries are skipped; a list of one
// renders as that one filter, without parentheses.
//
// A filter.Expr is rendered with filter.Render, which validates it: the
// builders of package filter never fail, they record a bad construction (an
// invalid member name, NaN, an unknown unit…) and Render reports it. Such an
// error becomes an *InputError that wraps it, so errors.Is(err,
// filter.ErrInvalid) holds. Other expressions may report the same way
// through an Err() error method.
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
	}
	if isNilPointer(v) {
		return "", &InputError{Field: "filter", Reason: "nil filter expression " + typeName(v)}
	}
	if e, ok := v.(interface{ Err() error }); ok {
		if err := e.Err(); err != nil {
			return "", &InputError{Field: "filter", Reason: err.Error(), Err: err}
		}
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String(), nil
	}
	// Lists of any kind ([]string, []any, []filter.Expr, …) go through
	// reflection: one path for all of them keeps the wasm build small.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		parts := make([]string, 0, rv.Len())
		for i := range rv.Len() {
			s, err := FilterText(rv.Index(i).Interface())
			if err != nil {
				return "", err
			}
			if s != "" {
				parts = append(parts, s)
			}
		}
		return and(parts), nil
	}
	return "", &InputError{Field: "filter", Reason: "unsupported value type " + typeName(v)}
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

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Func:
		return rv.IsNil()
	}
	return false
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
