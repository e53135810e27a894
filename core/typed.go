package core

// ElemType is the explicit type of a drop elem (docs/protocol.md §6).
type ElemType string

// The elem types of docs/protocol.md §6.
const (
	ElemBoolean   ElemType = "boolean"
	ElemInteger   ElemType = "integer"
	ElemLong      ElemType = "long"
	ElemFloat     ElemType = "float"
	ElemString    ElemType = "string"
	ElemText      ElemType = "text"
	ElemEmail     ElemType = "email"
	ElemURL       ElemType = "url"
	ElemDate      ElemType = "date"
	ElemID        ElemType = "id"
	ElemFlowRef   ElemType = "flowRef"
	ElemDropRef   ElemType = "dropRef"
	ElemMap       ElemType = "map"
	ElemSortedMap ElemType = "sortedMap"
	ElemList      ElemType = "list"
	ElemSet       ElemType = "set"
	ElemSortedSet ElemType = "sortedSet"
	ElemMedia     ElemType = "media"
	ElemLocation  ElemType = "location"
)

// Known reports whether t is one of the types the platform accepts; an elem
// object {"type","value"} with another type is a plain map.
func (t ElemType) Known() bool {
	switch t {
	case ElemBoolean, ElemInteger, ElemLong, ElemFloat, ElemString, ElemText, ElemEmail,
		ElemURL, ElemDate, ElemID, ElemFlowRef, ElemDropRef, ElemMap, ElemSortedMap,
		ElemList, ElemSet, ElemSortedSet, ElemMedia, ElemLocation:
		return true
	}
	return false
}

// TypedValue is a drop elem with an explicit type, sent as
// {"type": Type, "value": Value}. Build one with Typed.
type TypedValue struct {
	Type  ElemType `json:"type"`
	Value any      `json:"value"`
}

// Typed returns the elem value with the explicit type t, for the types the
// platform cannot infer from plain JSON: Typed("email", "a@b.example"),
// Typed(ElemDate, epochMs).
func Typed(t ElemType, value any) TypedValue { return TypedValue{Type: t, Value: value} }
