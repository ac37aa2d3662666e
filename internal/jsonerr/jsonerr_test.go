package jsonerr

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	type doc struct {
		DoResize *bool     `json:"do_resize"`
		Size     int       `json:"size"`
		Text     string    `json:"text"`
		Mean     []float64 `json:"image_mean"`
	}
	for _, c := range []struct{ in, want string }{
		{`{"do_resize": 3}`, `field "do_resize": want true or false, got a JSON number`},
		{`{"size": "big"}`, `field "size": want an integer, got a JSON string`},
		{`{"text": 5}`, `field "text": want a string, got a JSON number`},
		{`{"image_mean": {}}`, `field "image_mean": want a list, got a JSON object`},
		{`[1]`, `the document: want an object, got a JSON array`},
		{`{"size": 1,}`, `invalid JSON at byte 12`},
		{`{"size": `, `invalid JSON: the document ends early`},
	} {
		var d doc
		got := Describe(json.Unmarshal([]byte(c.in), &d))
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(got, "Go ") || strings.Contains(got, "jsonerr.doc") {
			t.Errorf("%s: %q shows Go types", c.in, got)
		}
	}
}
