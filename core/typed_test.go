package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestElemTypes(t *testing.T) {
	t.Parallel()
	for _, et := range []ElemType{ElemBoolean, ElemInteger, ElemLong, ElemFloat, ElemString, ElemText,
		ElemEmail, ElemURL, ElemDate, ElemID, ElemFlowRef, ElemDropRef, ElemMap, ElemSortedMap,
		ElemList, ElemSet, ElemSortedSet, ElemMedia, ElemLocation} {
		assert.True(t, et.Known(), et)
	}
	for _, et := range []ElemType{"", "Float", "double", "json"} {
		assert.False(t, et.Known(), et)
	}
	assert.Equal(t, TypedValue{Type: ElemEmail, Value: "a@b"}, Typed(ElemEmail, "a@b"))
}
