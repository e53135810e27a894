package core

// Aggregation is the body of POST /drop/{flowId}/aggregate (§7 of the
// protocol). Filter and the values of Rules are filter strings or filter
// expressions (see FilterText); they are rendered to strings.
type Aggregation struct {
	// Output lists the selectors computed per group: "$count",
	// "$avg:elems.temp", "distance:near", … Required.
	Output []string
	// GroupBy lists element paths and date selectors ("$month",
	// "elems.town"); empty means one group. Always sent, as [] when empty.
	GroupBy []string
	// Filter selects the drops to aggregate; empty means all.
	Filter any
	// Rules names filters whose 0/1 result per drop can be aggregated
	// ("$avg:hot").
	Rules map[string]any
	// Sorts orders the rows: "key", "key:asc" or "key:desc".
	Sorts []string
}

// JSON renders the aggregation body. It is pure and JSON-library free, so
// the wasm bridge can use it too. Rules are written in key order, so equal
// aggregations give equal bodies.
func (a Aggregation) JSON() ([]byte, error) {
	if len(a.Output) == 0 {
		return nil, &InputError{Field: "output", Reason: "an aggregation needs at least one output selector"}
	}
	b := []byte(`{"output":`)
	b = appendJSONStrings(b, a.Output)
	b = append(b, `,"groupBy":`...)
	b = appendJSONStrings(b, nonNil(a.GroupBy))
	filter, err := FilterText(a.Filter)
	if err != nil {
		return nil, err
	}
	if filter != "" {
		b = append(b, `,"filter":`...)
		b = appendJSONString(b, filter)
	}
	if len(a.Rules) > 0 {
		names := make([]string, 0, len(a.Rules))
		for name := range a.Rules {
			names = append(names, name)
		}
		sortSmall(names)
		b = append(b, `,"rules":{`...)
		for i, name := range names {
			rule, err := FilterText(a.Rules[name])
			if err != nil {
				return nil, err
			}
			if rule == "" {
				return nil, &InputError{Field: "rules", Reason: "rule " + name + " is empty"}
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
			b = append(b, ':')
			b = appendJSONString(b, rule)
		}
		b = append(b, '}')
	}
	if len(a.Sorts) > 0 {
		b = append(b, `,"sorts":`...)
		b = appendJSONStrings(b, a.Sorts)
	}
	return append(b, '}'), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
