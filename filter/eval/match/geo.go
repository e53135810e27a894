package match

import (
	"math"
	"strconv"

	"github.com/flowthings/flowthings-wasm/filter"
)

// earthRadiusMiles is the mean Earth radius docs/protocol.md §10 #20 prescribes.
const earthRadiusMiles = 3958.8

type point struct{ lat, lon float64 }

// miles returns the haversine great-circle distance between a and b.
func miles(a, b point) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (b.lat-a.lat)*rad, (b.lon-a.lon)*rad
	sinLat, sinLon := math.Sin(dLat/2), math.Sin(dLon/2)
	// (Squares by multiplication: math.Pow would add its code to the wasm
	// module for nothing.)
	h := sinLat*sinLat + math.Cos(a.lat*rad)*math.Cos(b.lat*rad)*sinLon*sinLon
	if h > 1 { // rounding just above 1 for antipodal points
		h = 1
	}
	return 2 * earthRadiusMiles * math.Asin(math.Sqrt(h))
}

// target returns the point a WITHIN node measures from.
func target(w filter.WithinExpr, zip ZipFunc) (point, error) {
	if w.Zip == "" {
		return point{w.Lat, w.Lon}, nil
	}
	lat, lon, ok := zip(w.Zip)
	if !ok {
		return point{}, &Error{"unknown ZIP code " + strconv.Quote(w.Zip) + " in WITHIN"}
	}
	return point{lat, lon}, nil
}

// locate reads a location, typed or plain: {lat, lon}, or failing that the
// centroid of its specifiers.zip.
func locate(v any, zip ZipFunc) (point, bool) {
	v, _ = unwrap(v)
	m, ok := v.(map[string]any)
	if !ok {
		return point{}, false
	}
	lat, okLat := plainNumber(m["lat"])
	lon, okLon := plainNumber(m["lon"])
	if okLat && okLon {
		return point{lat, lon}, true
	}
	spec, _ := unwrap(m["specifiers"])
	specs, _ := spec.(map[string]any) // indexing a nil map is fine
	if z, isStr := unwrapString(specs["zip"]); isStr {
		lat, lon, ok := zip(z)
		return point{lat, lon}, ok
	}
	return point{}, false
}

func plainNumber(v any) (float64, bool) {
	v, _ = unwrap(v)
	return number(v)
}

// distance returns how far the location at p in obj is from t, in unit.
func distance(obj map[string]any, p path, t point, unit filter.Unit, zip ZipFunc) (float64, bool) {
	v, _, ok := p.resolve(obj)
	if !ok {
		return 0, false
	}
	at, ok := locate(v, zip)
	if !ok {
		return 0, false
	}
	return miles(at, t) * unit.PerMile(), true
}

// Distance returns the distance from obj's location member named by w to
// w's target, in w's unit — what aggregation's distance:<rule> reports.
// opts.Zip resolves ZIP targets as in Compile. ok is false when w is
// invalid, its ZIP unknown, or obj has no usable location there.
func Distance(obj map[string]any, w filter.WithinExpr, opts Options) (float64, bool) {
	if filter.Validate(w) != nil {
		return 0, false
	}
	opts = opts.withDefaults()
	t, err := target(w, opts.Zip)
	if err != nil {
		return 0, false
	}
	return distance(obj, newPath(w.Member), t, w.Unit, opts.Zip)
}

// ZipCentroid looks a US ZIP code (or ZIP+4) up in a small built-in table
// of approximate centroids: a few dozen well-known ZIPs of large US cities
// (e.g. 10001, 11201, 11204, 02108, 20001, 60601, 90210, 94103), enough for
// tests and demos. It is the default Options.Zip; supply a real gazetteer
// for anything else.
func ZipCentroid(zip string) (lat, lon float64, ok bool) {
	if len(zip) == 10 && zip[5] == '-' {
		zip = zip[:5]
	}
	for _, c := range zipCentroids {
		if c.zip == zip {
			return c.lat, c.lon, true
		}
	}
	return 0, 0, false
}

// zipCentroids is a list, not a map: a map literal is built by code at
// start-up, which the wasm module would carry for a few dozen entries.
var zipCentroids = [...]struct {
	zip      string
	lat, lon float64
}{
	{"02108", 42.3576, -71.0684},  // Boston, Beacon Hill
	{"02139", 42.3647, -71.1042},  // Cambridge MA
	{"10001", 40.7506, -73.9971},  // New York, Chelsea
	{"10002", 40.7157, -73.9863},  // New York, Lower East Side
	{"10007", 40.7138, -74.0079},  // New York, City Hall
	{"10011", 40.7411, -74.0001},  // New York, Chelsea
	{"10019", 40.7657, -73.9857},  // New York, Midtown West
	{"10036", 40.7593, -73.9899},  // New York, Times Square
	{"11201", 40.6940, -73.9903},  // Brooklyn Heights
	{"11204", 40.6188, -73.9845},  // Brooklyn, Bensonhurst
	{"11211", 40.7124, -73.9531},  // Brooklyn, Williamsburg
	{"11215", 40.6626, -73.9860},  // Brooklyn, Park Slope
	{"15222", 40.4473, -79.9930},  // Pittsburgh
	{"19103", 39.9525, -75.1741},  // Philadelphia
	{"20001", 38.9101, -77.0177},  // Washington DC
	{"21201", 39.2946, -76.6252},  // Baltimore
	{"30303", 33.7525, -84.3888},  // Atlanta
	{"32801", 28.5422, -81.3790},  // Orlando
	{"33131", 25.7663, -80.1900},  // Miami
	{"37203", 36.1503, -86.7916},  // Nashville
	{"44114", 41.5100, -81.6742},  // Cleveland
	{"48226", 42.3311, -83.0476},  // Detroit
	{"55401", 44.9848, -93.2703},  // Minneapolis
	{"60601", 41.8859, -87.6219},  // Chicago, the Loop
	{"63101", 38.6316, -90.1926},  // St. Louis
	{"70112", 29.9566, -90.0768},  // New Orleans
	{"75201", 32.7904, -96.8044},  // Dallas
	{"77002", 29.7573, -95.3610},  // Houston
	{"78701", 30.2713, -97.7426},  // Austin
	{"80202", 39.7527, -104.9992}, // Denver
	{"84101", 40.7557, -111.8967}, // Salt Lake City
	{"85004", 33.4511, -112.0705}, // Phoenix
	{"89109", 36.1260, -115.1709}, // Las Vegas
	{"90012", 34.0614, -118.2385}, // Los Angeles, downtown
	{"90210", 34.1030, -118.4105}, // Beverly Hills
	{"92101", 32.7197, -117.1628}, // San Diego
	{"94103", 37.7726, -122.4099}, // San Francisco, SoMa
	{"94105", 37.7897, -122.3942}, // San Francisco, Financial District
	{"95814", 38.5804, -121.4943}, // Sacramento
	{"96813", 21.3094, -157.8582}, // Honolulu
	{"97204", 45.5185, -122.6743}, // Portland OR
	{"98101", 47.6114, -122.3305}, // Seattle
	{"99501", 61.2172, -149.8585}, // Anchorage
}
