package flowthings

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typedObjects are one of each struct with generated accessors.
var typedObjects = []any{
	&Flow{}, &Drop{}, &Location{}, &LocationSpecifiers{}, &DropRef{}, &Track{}, &Group{},
	&Identity{}, &Token{}, &TokenPermission{}, &Share{}, &SharePermission{}, &Device{},
	&APITask{}, &MQTTTask{}, &RSSTask{},
}

// TestGeneratedAccessors checks every GetX of every typed object: the zero
// value on a nil receiver and on an unset field, the field's value once set.
func TestGeneratedAccessors(t *testing.T) {
	t.Parallel()
	for _, obj := range typedObjects {
		typ := reflect.TypeOf(obj)
		t.Run(typ.Elem().Name(), func(t *testing.T) {
			t.Parallel()
			nilPtr := reflect.Zero(typ)
			empty := reflect.New(typ.Elem())
			full := reflect.New(typ.Elem())
			n := 0
			for m := range typ.Methods() {
				field, ok := typ.Elem().FieldByName(strings.TrimPrefix(m.Name, "Get"))
				if !strings.HasPrefix(m.Name, "Get") || !ok {
					continue
				}
				n++
				f := full.Elem().FieldByIndex(field.Index)
				f.Set(nonZero(t, field.Type))
				want := f
				if field.Type.Kind() == reflect.Pointer && !isTyped(field.Type.Elem()) {
					want = f.Elem()
				}
				for what, recv := range map[string]reflect.Value{"nil receiver": nilPtr, "unset field": empty} {
					got := recv.Method(m.Index).Call(nil)[0]
					assert.True(t, got.IsZero(), "%s.%s on a %s", typ.Elem().Name(), m.Name, what)
				}
				got := full.Method(m.Index).Call(nil)[0]
				assert.Equal(t, want.Interface(), got.Interface(), "%s.%s", typ.Elem().Name(), m.Name)
			}
			assert.Equal(t, typ.Elem().NumField()-1, n, "one accessor per field but Extra")
		})
	}
}

// isTyped reports whether t is one of the typed objects: a pointer to it is
// returned as is (chainable) rather than dereferenced.
func isTyped(t reflect.Type) bool {
	for _, obj := range typedObjects {
		if reflect.TypeOf(obj).Elem() == t {
			return true
		}
	}
	return false
}

// nonZero returns a value of type t that is not its zero value.
func nonZero(t *testing.T, typ reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(typ.Elem()))
		if !isTyped(typ.Elem()) {
			v.Elem().Set(nonZero(t, typ.Elem()))
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Map:
		v.Set(reflect.MakeMap(typ))
		v.SetMapIndex(reflect.New(typ.Key()).Elem(), reflect.New(typ.Elem()).Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(typ, 1, 1))
	default:
		require.FailNow(t, "no non-zero value for "+typ.String())
	}
	return v
}

// TestAccessorsUpToDate regenerates accessors.go and servicemethods.go and
// compares.
func TestAccessorsUpToDate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go run")
	}
	dir := t.TempDir()
	for _, name := range goFiles(t) {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	out, err := exec.CommandContext(t.Context(), "go", "run", "./internal/genaccessors", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, name := range []string{"accessors.go", "servicemethods.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		got, err := os.ReadFile(name)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%s is stale: run go generate ./flowthings", name)
	}
}

func goFiles(t *testing.T) []string {
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var out []string
	for _, n := range names {
		if !strings.HasSuffix(n, "_test.go") && n != "accessors.go" {
			out = append(out, n)
		}
	}
	return out
}

// TestModelsUpToDate regenerates what internal/genmodels writes (the
// ElemType constants, js/elemtypes.js and js/models.d.ts) and compares.
func TestModelsUpToDate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go run")
	}
	goDir, jsDir := t.TempDir(), t.TempDir()
	for _, name := range goFiles(t) {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(goDir, name), data, 0o644))
	}
	out, err := exec.CommandContext(t.Context(), "go", "run", "./internal/genmodels", goDir, jsDir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for generated, committed := range map[string]string{
		filepath.Join(goDir, "elemtype.go"):  "elemtype.go",
		filepath.Join(jsDir, "elemtypes.js"): filepath.Join("..", "js", "elemtypes.js"),
		filepath.Join(jsDir, "models.d.ts"):  filepath.Join("..", "js", "models.d.ts"),
	} {
		want, err := os.ReadFile(generated)
		require.NoError(t, err)
		got, err := os.ReadFile(committed)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%s is stale: run go generate ./flowthings", committed)
	}
}

// TestGoDocListsEveryMethod: go doc of a service lists every method it has,
// those of the generic service it embeds included (servicemethods.go).
func TestGoDocListsEveryMethod(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go doc")
	}
	immutable := []string{"Name", "Objects", "Read", "ReadOrElse", "ReadMany", "FindMany", "Create", "Delete"}
	mutable := append([]string{"Update", "Modify", "UpdateMany", "ModifyMany", "Save"}, immutable...)
	for service, methods := range map[string][]string{
		"FlowService": mutable, "DropService": append([]string{"DeleteAll", "Aggregate", "FlowID"}, mutable...),
		"TrackService": mutable, "GroupService": mutable, "IdentityService": mutable, "APITaskService": mutable,
		"MQTTService": mutable, "RSSService": mutable, "DeviceService": mutable,
		"TokenService": immutable, "ShareService": immutable,
	} {
		out, err := exec.CommandContext(t.Context(), "go", "doc", ".", service).CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, m := range methods {
			assert.Contains(t, string(out), ") "+m+"(", "go doc %s lists %s", service, m)
		}
	}
	tokenDoc, err := exec.CommandContext(t.Context(), "go", "doc", ".", "TokenService").CombinedOutput()
	require.NoError(t, err)
	assert.NotContains(t, string(tokenDoc), ") Update(", "tokens are immutable")
}
