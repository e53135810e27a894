package emulator

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aggEnv builds a flow whose drops have known creation times:
//
//	d1 2015-01-07 12:00:00  town Brooklyn  temp 20    location 40.7,-73.99  when 2014-12-25 (date elem), stats map
//	d2 2015-01-07 13:00:00  town Brooklyn  temp 60    location 40.8,-73.99
//	d3 2015-02-07 13:00:00  town Queens    temp 30.5
//	d4 2015-02-07 13:01:00  town Queens    temp "hot" (not a number)
//	d5 2015-02-07 13:01:01  town Brooklyn  n null
//	d6 2015-02-07 13:01:02  other true     (no town)
//
// and d1 is edited on 2015-03-10 (lastEditDate in March).
func aggEnv(t *testing.T) (*tenv, string) {
	clock := newClock()
	v := newEnv(t, Config{Now: clock.now})
	fid := v.flow("/dev/agg")["id"].(string)
	post := func(body map[string]any) string {
		return v.must(201, "POST", "/v0.1/dev/drop/"+fid, body).obj()["id"].(string)
	}
	when := time.Date(2014, 12, 25, 0, 0, 0, 0, time.UTC).UnixMilli()
	d1 := post(map[string]any{"elems": map[string]any{"town": "Brooklyn", "temp": 20,
		"when": map[string]any{"type": "date", "value": when}, "stats": map[string]any{"v": 1.5}},
		"location": map[string]any{"lat": 40.7, "lon": -73.99}})
	clock.advance(time.Hour)
	post(map[string]any{"elems": map[string]any{"town": "Brooklyn", "temp": 60}, "location": map[string]any{"lat": 40.8, "lon": -73.99}})
	clock.advance(31 * 24 * time.Hour)
	post(map[string]any{"elems": map[string]any{"town": "Queens", "temp": 30.5}})
	clock.advance(time.Minute)
	post(map[string]any{"elems": map[string]any{"town": "Queens", "temp": "hot"}})
	clock.advance(time.Second)
	post(map[string]any{"elems": map[string]any{"town": "Brooklyn", "n": nil}})
	clock.advance(time.Second)
	post(map[string]any{"elems": map[string]any{"other": true}})
	clock.advance(31 * 24 * time.Hour)
	v.must(200, "PUT", "/v0.1/dev/drop/"+fid+"/"+d1, map[string]any{"fhash": "edited"})
	return v, fid
}

func TestAggregate(t *testing.T) {
	v, fid := aggEnv(t)
	url := "/v0.1/dev/drop/" + fid + "/aggregate"
	cases := []struct {
		name string
		body string
		want string // JSON body
	}{
		{"count", `{"output":["$count"]}`, `[{"$count":6}]`},
		{"groupBy [] is one group", `{"groupBy":[],"output":["$count"],"filter":""}`, `[{"$count":6}]`},
		{"numeric aggregates by element (bare name)", `{"groupBy":["town"],"output":["$count","$sum:temp","$avg:temp","$min:temp","$max:temp"]}`,
			`[{"town":null,"$count":1,"$sum:temp":0,"$avg:temp":null,"$min:temp":null,"$max:temp":null},
			  {"town":"Brooklyn","$count":3,"$sum:temp":80,"$avg:temp":40,"$min:temp":20,"$max:temp":60},
			  {"town":"Queens","$count":2,"$sum:temp":30.5,"$avg:temp":30.5,"$min:temp":30.5,"$max:temp":30.5}]`},
		{"elems. prefix and group key in output", `{"groupBy":["elems.town"],"output":["elems.town","$count"],"filter":"EXISTS elems.town"}`,
			`[{"elems.town":"Brooklyn","$count":3},{"elems.town":"Queens","$count":2}]`},
		{"unique and all", `{"output":["$unique:town","$all:town","$all:n","$unique:stats","$all:nothing"]}`,
			`[{"$unique:town":["Brooklyn","Queens"],"$all:town":["Brooklyn","Brooklyn","Queens","Queens","Brooklyn"],
			   "$all:n":[null],"$unique:stats":[{"v":1.5}],"$all:nothing":[]}]`},
		{"year and month", `{"groupBy":["$year","$month"],"output":["$count"]}`,
			`[{"$year":2015,"$month":1,"$count":2},{"$year":2015,"$month":2,"$count":4}]`},
		{"day and hour", `{"groupBy":["$day","$hour"],"output":["$count"]}`,
			`[{"$day":7,"$hour":12,"$count":1},{"$day":7,"$hour":13,"$count":5}]`},
		{"minute and second", `{"groupBy":["$minute","$second"],"output":["$count"]}`,
			`[{"$minute":0,"$second":0,"$count":3},{"$minute":1,"$second":0,"$count":1},{"$minute":1,"$second":1,"$count":1},{"$minute":1,"$second":2,"$count":1}]`},
		{"date field", `{"groupBy":["$month:lastEditDate"],"output":["$count"]}`,
			`[{"$month:lastEditDate":1,"$count":1},{"$month:lastEditDate":2,"$count":4},{"$month:lastEditDate":3,"$count":1}]`},
		{"typed date elem", `{"groupBy":["$year:when"],"output":["$count"]}`,
			`[{"$year:when":null,"$count":5},{"$year:when":2014,"$count":1}]`},
		{"missing date field", `{"groupBy":["$month:nosuch"],"output":["$count"]}`, `[{"$month:nosuch":null,"$count":6}]`},
		{"filter", `{"filter":"town == 'Brooklyn'","output":["$count","$sum:temp"]}`, `[{"$count":3,"$sum:temp":80}]`},
		{"rules as fields", `{"rules":{"hot":"temp > 25"},"output":["$avg:hot","$sum:hot","$count"]}`,
			`[{"$avg:hot":0.3333333333333333,"$sum:hot":2,"$count":6}]`},
		{"rule as group key", `{"rules":{"hot":"temp > 25"},"groupBy":["hot"],"output":["$count"]}`,
			`[{"hot":0,"$count":4},{"hot":1,"$count":2}]`},
		{"sort by output desc", `{"groupBy":["town"],"output":["$count"],"sorts":["$count:desc"]}`,
			`[{"town":"Brooklyn","$count":3},{"town":"Queens","$count":2},{"town":null,"$count":1}]`},
		{"sort by group desc", `{"groupBy":["town"],"output":["$count"],"sorts":["town:DESC"]}`,
			`[{"town":"Queens","$count":2},{"town":"Brooklyn","$count":3},{"town":null,"$count":1}]`},
		{"sort asc (explicit and default)", `{"groupBy":["town"],"output":["$count"],"sorts":["$count:asc"]}`,
			`[{"town":null,"$count":1},{"town":"Queens","$count":2},{"town":"Brooklyn","$count":3}]`},
		{"sort without suffix is asc", `{"groupBy":["town"],"output":["$max:temp"],"sorts":["$max:temp"]}`,
			`[{"town":null,"$max:temp":null},{"town":"Queens","$max:temp":30.5},{"town":"Brooklyn","$max:temp":60}]`},
		{"two sort keys", `{"groupBy":["$month","town"],"output":["$count"],"sorts":["$month:desc","$count:desc"]}`,
			`[{"$month":2,"town":"Queens","$count":2},{"$month":2,"town":null,"$count":1},{"$month":2,"town":"Brooklyn","$count":1},{"$month":1,"town":"Brooklyn","$count":2}]`},
		{"single strings", `{"groupBy":"town","output":"$count","sorts":"$count:desc"}`,
			`[{"town":"Brooklyn","$count":3},{"town":"Queens","$count":2},{"town":null,"$count":1}]`},
		{"nothing matches, no groupBy: one empty row", `{"filter":"town == 'X'","output":["$count","$sum:temp","$avg:temp","$unique:town"]}`,
			`[{"$count":0,"$sum:temp":0,"$avg:temp":null,"$unique:town":[]}]`},
		{"nothing matches, groupBy: no rows", `{"filter":"town == 'X'","groupBy":["town"],"output":["$count"]}`, `[]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.with(t).must(200, "POST", url, raw(c.body))
			assert.JSONEq(t, c.want, string(r.Body))
		})
	}

	t.Run("distance", func(t *testing.T) {
		body := `{"rules":{"near":"location WITHIN 10 MILES OF [40.7, -73.99]","km":"NOT (location WITHIN 1 KM OF [40.7,-73.99]) || EXISTS x",
			"zip":"location WITHIN 100 MILES OF [ZIP=11201]"},
			"groupBy":["town"],"output":["distance:near","distance:km","distance:zip","$sum:near"],"filter":"EXISTS town"}`
		rows := v.with(t).must(200, "POST", url, raw(body)).list()
		require.Len(t, rows, 2)
		mile := 3958.8 * 0.1 * 3.141592653589793 / 180 // 0.1° of latitude
		assert.Equal(t, "Brooklyn", rows[0]["town"])
		assert.InDelta(t, mile/2, rows[0]["distance:near"], 1e-6, "average over the drops with a location")
		assert.InDelta(t, mile/2*1.609344, rows[0]["distance:km"], 1e-3, "in the rule's unit")
		assert.InDelta(t, 3.87, rows[0]["distance:zip"], 0.01, "from the centroid of 11201 (40.6940,-73.9903)")
		assert.EqualValues(t, 2, rows[0]["$sum:near"])
		assert.Equal(t, "Queens", rows[1]["town"])
		assert.Nil(t, rows[1]["distance:near"], "no drop with a location")
	})

	t.Run("errors", func(t *testing.T) {
		cases := []struct {
			name, body, want string
		}{
			{"no output", `{"groupBy":["town"]}`, "output"},
			{"empty output", `{"output":[]}`, "output"},
			{"output not a list", `{"output":5}`, "output"},
			{"output item not a string", `{"output":[5]}`, "output"},
			{"unknown aggregate", `{"output":["$median:temp"]}`, "unknown selector"},
			{"not a selector", `{"output":["temp"]}`, "unknown selector"},
			{"aggregate without field", `{"output":["$sum"]}`, "needs a field"},
			{"aggregate with empty field", `{"output":["$sum:"]}`, "needs a field"},
			{"count with field", `{"output":["$count:temp"]}`, "$count takes no field"},
			{"distance of unknown rule", `{"output":["distance:near"]}`, "names no rule"},
			{"distance without WITHIN", `{"rules":{"hot":"temp > 1"},"output":["distance:hot"]}`, "no WITHIN"},
			{"unknown date selector", `{"groupBy":["$week"],"output":["$count"]}`, "unknown selector"},
			{"empty date field", `{"groupBy":["$month:"],"output":["$count"]}`, "date member"},
			{"duplicate groupBy", `{"groupBy":["town","town"],"output":["$count"]}`, "twice"},
			{"bad field path", `{"output":["$sum:a..b"]}`, "not an element path"},
			{"sort key not listed", `{"groupBy":["town"],"output":["$count"],"sorts":["temp:desc"]}`, "not in groupBy or output"},
			{"bad filter names the position", `{"filter":"temp >","output":["$count"]}`, "position"},
			{"filter not a string", `{"filter":5,"output":["$count"]}`, "filter"},
			{"bad rule", `{"rules":{"r":"(("},"output":["$count"]}`, "rule \"r\""},
			{"rules not an object", `{"rules":["a"],"output":["$count"]}`, "rules"},
			{"rule not a string", `{"rules":{"r":1},"output":["$count"]}`, "rule \"r\""},
			{"bad rule name", `{"rules":{"a:b":"x > 1"},"output":["$count"]}`, "rule name"},
			{"body not an object", `[1]`, "JSON object"},
			{"malformed JSON", `{"output":`, "malformed JSON"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := v.with(t).must(400, "POST", url, raw(c.body))
				assert.Contains(t, r.err(), c.want)
			})
		}
	})

	t.Run("access", func(t *testing.T) {
		v := v.with(t)
		body := raw(`{"output":["$count"]}`)
		v.must(400, "POST", url, nil)
		v.must(405, "GET", url, nil)
		v.must(404, "POST", "/v0.1/dev/drop/f000000000000000000000000/aggregate", body)
		wo := v.create("token", map[string]any{"paths": map[string]any{"/dev/agg": map[string]any{"dropWrite": true}}})
		v.must(403, "POST", url, body, tok(wo["tokenString"].(string)))
		ro := v.create("token", map[string]any{"paths": map[string]any{"/dev/agg": map[string]any{"dropRead": true}}})
		assert.JSONEq(t, `[{"$count":6}]`, string(v.must(200, "POST", url, body, tok(ro["tokenString"].(string))).Body))
		v.must(403, "POST", url, body, tok(guestTok), acct("guest"))
		v.must(404, "POST", "/v0.1/guest/drop/"+fid+"/aggregate", body, tok(guestTok), acct("guest"))
		// shares grant dropRead across accounts
		v.create("share", map[string]any{"issuedTo": v.identityID("guest"), "paths": map[string]any{"/dev/agg": map[string]any{"dropRead": true}}})
		v.must(200, "POST", url, body, tok(guestTok), acct("guest"))
	})
}

// TestAggregateCapacityAndTyped: only stored drops count; typed values
// (float, list, map) unwrap.
func TestAggregateTypedValues(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/typed", map[string]any{"capacity": 3})["id"].(string)
	for i, x := range []any{
		map[string]any{"type": "float", "value": 1},
		map[string]any{"type": "long", "value": 2},
		3,
		4, // evicts the first
	} {
		v.drop(fid, map[string]any{"x": x, "tags": []any{"a", i % 2}})
	}
	r := v.must(200, "POST", "/v0.1/dev/drop/"+fid+"/aggregate", map[string]any{
		"output": []any{"$count", "$sum:x", "$min:x", "$unique:tags", "$all:x"}})
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &rows))
	require.Len(t, rows, 1)
	assert.EqualValues(t, 3, rows[0]["$count"])
	assert.EqualValues(t, 9, rows[0]["$sum:x"])
	assert.EqualValues(t, 2, rows[0]["$min:x"])
	assert.Equal(t, []any{[]any{"a", float64(1)}, []any{"a", float64(0)}}, rows[0]["$unique:tags"])
	assert.Equal(t, []any{float64(2), float64(3), float64(4)}, rows[0]["$all:x"])
	assert.Equal(t, http.StatusOK, r.Status)
}
