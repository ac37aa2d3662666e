// Package jsonerr words encoding/json's errors for users: which field, what was expected and what
// was found, in JSON's terms (string, number, object), never Go's type names.
package jsonerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// Describe returns err reworded when it is a JSON decoding error, and err's text otherwise.
func Describe(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		where := "the document"
		if te.Field != "" {
			where = fmt.Sprintf("field %q", te.Field)
		}
		return fmt.Sprintf("%s: want %s, got a JSON %s", where, kind(te.Type), te.Value)
	case errors.As(err, &se) && se.Error() == "unexpected end of JSON input":
		return "invalid JSON: the document ends early"
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case err != nil && err.Error() == "unexpected EOF":
		return "invalid JSON: the document ends early"
	case err != nil:
		return err.Error()
	}
	return ""
}

// kind names a Go type by the JSON value that decodes into it.
func kind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}
