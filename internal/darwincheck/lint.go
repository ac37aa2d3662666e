package darwincheck

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
)

// objcPath is darwinkit's Objective-C runtime package.
const objcPath = "github.com/progrium/darwinkit/objc"

// lintObjcCalls finds calls objc.Call[T](recv, objc.Sel("a:b:"), args...) whose number of
// arguments after the selector differs from the selector's colons: go/types accepts any count
// (the parameter is variadic ...any), the Objective-C runtime reads garbage or crashes. Calls with
// a spread (args...) or a selector that is not a constant string are not counted.
func lintObjcCalls(fset *token.FileSet, files []*ast.File, info *types.Info) []Problem {
	var out []Problem
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isObjcFunc(info, call.Fun, "Call") || len(call.Args) < 2 || call.Ellipsis.IsValid() {
				return true
			}
			sel, ok := call.Args[1].(*ast.CallExpr)
			if !ok || !isObjcFunc(info, sel.Fun, "Sel") || len(sel.Args) != 1 {
				return true
			}
			tv, ok := info.Types[sel.Args[0]]
			if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
				return true
			}
			name := constant.StringVal(tv.Value)
			want, got := strings.Count(name, ":"), len(call.Args)-2
			if want != got {
				out = append(out, Problem{Pos: fset.Position(call.Pos()), Kind: "lint",
					Msg: fmt.Sprintf("objc.Call with selector %q (%d colons) gets %d arguments", name, want, got)})
			}
			return true
		})
	}
	return out
}

// isObjcFunc reports whether e (possibly instantiated, as in objc.Call[T]) names the function
// name of darwinkit's objc package.
func isObjcFunc(info *types.Info, e ast.Expr, name string) bool {
	switch x := e.(type) {
	case *ast.IndexExpr:
		e = x.X
	case *ast.IndexListExpr:
		e = x.X
	}
	var id *ast.Ident
	switch x := e.(type) {
	case *ast.SelectorExpr:
		id = x.Sel
	case *ast.Ident:
		id = x
	default:
		return false
	}
	obj, ok := info.Uses[id].(*types.Func)
	return ok && obj.Name() == name && obj.Pkg() != nil && obj.Pkg().Path() == objcPath
}
