package emulator

import (
	"fmt"
	"regexp"
	"strings"
)

// vctx is what a validator sees.
type vctx struct {
	e   *Emulator
	ns  string         // namespace (URL account)
	id  string         // the object's id (already assigned on create)
	old map[string]any // stored object on update, nil on create
}

func (c *vctx) creating() bool { return c.old == nil }

var pathSegRE = regexp.MustCompile(`^[A-Za-z0-9_:-]+$`)

// checkPath validates a path (§1.6) and returns it without a trailing slash.
func checkPath(member string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("member %q must be a path string, got %s", member, jsonKind(v))
	}
	return cleanPath(member, s)
}

func cleanPath(member, s string) (string, error) {
	if len(s) > 1 {
		s = strings.TrimSuffix(s, "/")
	}
	if !strings.HasPrefix(s, "/") {
		return "", fmt.Errorf("member %q must start with \"/\", got %q", member, s)
	}
	if len(s) > MaxPathLength {
		return "", fmt.Errorf("member %q is longer than %d characters", member, MaxPathLength)
	}
	segs := strings.Split(s[1:], "/")
	if len(segs) < 2 {
		return "", fmt.Errorf("member %q must have at least two segments (/<account>/<name>), got %q", member, s)
	}
	for _, seg := range segs {
		if !pathSegRE.MatchString(seg) {
			return "", fmt.Errorf("member %q has an invalid segment %q (allowed: letters, digits, - _ :)", member, seg)
		}
	}
	return s, nil
}

// ownPath: a valid path inside the namespace.
// requiredOwnPath is ownPath for the required "path" member of obj.
func (c *vctx) requiredOwnPath(obj map[string]any) (string, error) {
	v, ok := obj["path"]
	if !ok {
		return "", fmt.Errorf("member \"path\" is required")
	}
	return c.ownPath("path", v)
}

func (c *vctx) ownPath(member string, v any) (string, error) {
	p, err := checkPath(member, v)
	if err != nil {
		return "", err
	}
	if pathOwner(p) != c.ns {
		return "", fmt.Errorf("member %q must start with /%s/, got %q", member, c.ns, p)
	}
	return p, nil
}

// helpers on an object being validated

func optString(obj map[string]any, key string, maxLen int) error {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("member %q must be a string, got %s", key, jsonKind(v))
	}
	if maxLen > 0 && len(s) > maxLen {
		return fmt.Errorf("member %q is longer than %d characters", key, maxLen)
	}
	return nil
}

func reqString(obj map[string]any, key string) error {
	v, ok := obj[key]
	if !ok {
		return fmt.Errorf("member %q is required", key)
	}
	if s, ok := v.(string); !ok || s == "" {
		return fmt.Errorf("member %q must be a non-empty string", key)
	}
	return nil
}

func optBool(obj map[string]any, key string) error {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	if _, ok := v.(bool); !ok {
		return fmt.Errorf("member %q must be a boolean, got %s", key, jsonKind(v))
	}
	return nil
}

func optObject(obj map[string]any, key string) error {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("member %q must be an object, got %s", key, jsonKind(v))
	}
	return nil
}

// optInt checks an integer member in [lo, hi] and stores it as int64.
func optInt(obj map[string]any, key string, lo, hi int64) error {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	n, ok := integral(v)
	if !ok {
		return fmt.Errorf("member %q must be an integer, got %s", key, jsonKind(v))
	}
	if n < lo || n > hi {
		return fmt.Errorf("member %q must be between %d and %d, got %d", key, lo, hi, n)
	}
	obj[key] = n
	return nil
}

func optFilter(c *vctx, obj map[string]any, key string) error {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("member %q must be a filter string, got %s", key, jsonKind(v))
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if _, err := c.e.compileFilter(s); err != nil {
		return fmt.Errorf("member %q: %v", key, err)
	}
	return nil
}

// optPath validates an optional path member (any account) in place.
func optPath(obj map[string]any, key string) error {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	p, err := checkPath(key, v)
	if err != nil {
		return err
	}
	obj[key] = p
	return nil
}

const maxInt = int64(^uint64(0) >> 1)

func all(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// stringList reads a string or array-of-strings member as a list.
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
