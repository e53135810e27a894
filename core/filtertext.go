package core

import "fmt"

// FilterText renders a filter param value: a string, a filter expression
// (anything with String() string, like the expressions of package filter),
// or a list of either, AND-ed left to right.
func FilterText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case fmt.Stringer:
		return v.String(), nil
	}
	return "", &InputError{Field: "filter", Reason: "unsupported value type " + typeName(v)}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
