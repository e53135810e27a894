package bridge

import (
	"strconv"

	"github.com/flowthings/flowthings-wasm/core"
)

// opOf reads a core.Op from JavaScript: {service, name, flowId, path, id,
// ids, body, params, updates, aggregation}, or a statistic {stat, id, year,
// month, day, level, params} (built by core.StatOptions). body is JSON
// text; ids an array of strings; updates an array of {model, diff?} JSON
// texts; aggregation {output, groupBy, filter, rules, sorts} with filters
// as rendered text, built into the body by core.Aggregation.
func opOf(o *Obj) (core.Op, error) {
	var op core.Op
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"service", &op.Service}, {"name", &op.Name}, {"flowId", &op.FlowID}, {"path", &op.Path},
		{"id", &op.ID}, {"stat", &op.Stat}} {
		if *f.dst, err = str(o, f.key); err != nil {
			return op, err
		}
	}
	body, err := str(o, "body")
	if err != nil {
		return op, err
	}
	if body != "" {
		op.Body = []byte(body)
	}
	if op.IDs, err = strs(o, "ids"); err != nil {
		return op, err
	}
	po, err := obj(o, "params")
	if err != nil {
		return op, err
	}
	if op.Params, err = paramsOf(po); err != nil {
		return op, err
	}
	if op.Stat != "" {
		return statOf(o, op)
	}
	if op.Updates, err = updatesOf(o.Get("updates")); err != nil {
		return op, err
	}
	ao, err := obj(o, "aggregation")
	if err != nil || ao == nil {
		return op, err
	}
	agg, err := aggregationOf(ao)
	if err != nil {
		return op, err
	}
	op.Body, err = agg.JSON()
	return op, err
}

// statOf builds a statistics operation from its period: year, month and
// day (each optional, as core.StatOptions wants them) and level.
func statOf(o *Obj, op core.Op) (core.Op, error) {
	so := core.StatOptions{Params: op.Params}
	var err error
	for _, f := range []struct {
		key string
		dst *int
	}{{"year", &so.Year}, {"month", &so.Month}, {"day", &so.Day}} {
		if *f.dst, err = integer(o, f.key); err != nil {
			return op, err
		}
	}
	if so.Level, err = str(o, "level"); err != nil {
		return op, err
	}
	return so.Op(op.Stat, op.ID)
}

func updatesOf(v any) ([]core.Update, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, typeError("updates", "an array", v)
	}
	out := make([]core.Update, len(list))
	for i, item := range list {
		o, ok := item.(*Obj)
		if !ok {
			return nil, typeError("updates["+strconv.Itoa(i)+"]", "an object", item)
		}
		model, err := str(o, "model")
		if err != nil {
			return nil, err
		}
		out[i].Model = []byte(model)
		if diff, err := str(o, "diff"); err != nil {
			return nil, err
		} else if o.Get("diff") != nil {
			out[i].Diff = []byte(diff)
		}
	}
	return out, nil
}

func aggregationOf(o *Obj) (core.Aggregation, error) {
	var a core.Aggregation
	var err error
	if a.Output, err = strs(o, "output"); err != nil {
		return a, err
	}
	if a.GroupBy, err = strs(o, "groupBy"); err != nil {
		return a, err
	}
	if a.Sorts, err = strs(o, "sorts"); err != nil {
		return a, err
	}
	if a.Filter, err = str(o, "filter"); err != nil {
		return a, err
	}
	rules, err := obj(o, "rules")
	if err != nil {
		return a, err
	}
	if rules != nil {
		a.Rules = make(map[string]any, len(rules.Keys))
		for _, k := range rules.Keys {
			r, err := str(rules, k)
			if err != nil {
				return a, &core.InputError{Field: "rules", Reason: "rule " + strconv.Quote(k) + " must be a filter"}
			}
			a.Rules[k] = r
		}
	}
	return a, nil
}

// paramsOf reads query params: strings, numbers, booleans and arrays of
// strings ("only": ["a","b"] → only=a,b; "filter": several filters, AND-ed
// by core). null and undefined values are dropped. Filters arrive rendered:
// the JS package turns filter objects into text first.
func paramsOf(o *Obj) (core.Params, error) {
	if o == nil {
		return nil, nil
	}
	p := make(core.Params, len(o.Keys))
	for _, k := range o.Keys {
		switch v := o.Vals[k].(type) {
		case nil:
		case string, float64, bool:
			p[k] = v
		case []any:
			list, err := strs(o, k)
			if err != nil {
				return nil, &core.InputError{Field: "param " + k, Reason: "an array param must hold strings"}
			}
			if k == "filter" {
				p[k] = v // core.FilterText ANDs the list
			} else {
				p[k] = list
			}
		default:
			return nil, &core.InputError{Field: "param " + k, Reason: "unsupported value: " + jsType(v)}
		}
	}
	return p, nil
}
