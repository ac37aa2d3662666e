package darwincheck

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"
	"sync"
)

// objcPath is darwinkit's Objective-C runtime package.
const objcPath = "github.com/progrium/darwinkit/objc"

// lintObjcCalls reports what go/types accepts but the Objective-C run time does not:
//   - objc.Call[T](recv, objc.Sel("a:b:"), args...) whose number of arguments after the selector
//     differs from the selector's colons (the parameter is variadic ...any; the callee reads
//     garbage). Calls with a spread (args...) or a non-constant selector are not counted;
//   - calls of darwinkit methods that pass a protocol-typed argument through objc.WrapAsProtocol
//     (see wrapsProtocol);
//   - a Go func passed to a darwinkit binding or to objc.Call (see makesBlocks): it becomes a block.
func lintObjcCalls(fset *token.FileSet, files []*ast.File, info *types.Info) []Problem {
	var out []Problem
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if name := wrappingCallee(info, call.Fun); name != "" {
				out = append(out, Problem{Pos: fset.Position(call.Pos()), Kind: "lint", Msg: fmt.Sprintf("darwinkit's %s passes its "+
					"protocol argument through objc.WrapAsProtocol, which panics for a concrete XObject argument and sends a Go proxy "+
					"for an interface one: send the selector with objc.Call and the object itself", name)})
			}
			if callee := darwinkitCallee(info, call.Fun); makesBlocks(callee) {
				for _, a := range call.Args {
					if tv, ok := info.Types[a]; ok && tv.Type != nil {
						if _, isFunc := tv.Type.Underlying().(*types.Signature); isFunc {
							out = append(out, Problem{Pos: fset.Position(a.Pos()), Kind: "lint", Msg: fmt.Sprintf("a Go func passed to "+
								"darwinkit's %s becomes an Objective-C block (a libffi closure), and darwinkit's block callbacks crash "+
								"on Go >= 1.25 (darwinkit#286): use a synchronous call instead", callee)})
						}
					}
				}
			}
			if !isObjcFunc(info, call.Fun, "Call") || len(call.Args) < 2 || call.Ellipsis.IsValid() {
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

// wrapsProtocol holds the darwinkit functions and methods (types.Func.FullName) whose body calls
// objc.WrapAsProtocol: the generated bindings of every method with a protocol-typed parameter.
var wrapsProtocol sync.Map

// noteWrapAsProtocol records the functions of a darwinkit package that call objc.WrapAsProtocol.
func noteWrapAsProtocol(pkgPath string, files []*ast.File) {
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			wraps := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					fun := c.Fun
					if ix, ok := fun.(*ast.IndexExpr); ok {
						fun = ix.X
					}
					if sel, ok := fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "WrapAsProtocol" {
						wraps = true
					}
				}
				return !wraps
			})
			if wraps {
				wrapsProtocol.Store(funcFullName(pkgPath, fd), true)
			}
		}
	}
}

// funcFullName is types.Func.FullName of a declaration: "pkg.F", "(pkg.T).M" or "(*pkg.T).M".
func funcFullName(pkgPath string, fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return pkgPath + "." + fd.Name.Name
	}
	t, star := fd.Recv.List[0].Type, ""
	if s, ok := t.(*ast.StarExpr); ok {
		t, star = s.X, "*"
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	id, _ := t.(*ast.Ident)
	if id == nil {
		return ""
	}
	return "(" + star + pkgPath + "." + id.Name + ")." + fd.Name.Name
}

// wrappingCallee returns the full name of the called darwinkit function if it wraps a protocol
// argument with objc.WrapAsProtocol, else "".
func wrappingCallee(info *types.Info, fun ast.Expr) string {
	var id *ast.Ident
	switch x := fun.(type) {
	case *ast.SelectorExpr:
		id = x.Sel
	case *ast.Ident:
		id = x
	default:
		return ""
	}
	fn, ok := info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || !strings.HasPrefix(fn.Pkg().Path(), "github.com/progrium/darwinkit/") {
		return ""
	}
	if _, ok := wrapsProtocol.Load(fn.FullName()); ok {
		return fn.FullName()
	}
	return ""
}

// darwinkitCallee returns the full name of the called function if it is darwinkit's, else "".
func darwinkitCallee(info *types.Info, fun ast.Expr) string {
	switch x := fun.(type) {
	case *ast.IndexExpr:
		fun = x.X
	case *ast.IndexListExpr:
		fun = x.X
	}
	var id *ast.Ident
	switch x := fun.(type) {
	case *ast.SelectorExpr:
		id = x.Sel
	case *ast.Ident:
		id = x
	default:
		return ""
	}
	fn, ok := info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || !strings.HasPrefix(fn.Pkg().Path(), "github.com/progrium/darwinkit/") {
		return ""
	}
	return fn.FullName()
}

// closureFuncs are the functions of darwinkit's objc package that turn a Go func into a libffi
// closure (blocks and Go-implemented methods). objc.WithAutoreleasePool and
// objc.SetDeallocListener also take funcs but call them through a plain cgo callback.
var closureFuncs = map[string]bool{"Call": true, "CreateMallocBlock": true, "CreateGlobalBlock": true,
	"AddMethod": true, "ReplaceMethod": true, "AddClassMethod": true, "ReplaceClassMethod": true}

// makesBlocks reports whether a Go func passed to the named darwinkit function becomes a closure:
// every generated binding (macos/...; a func parameter is a block) and closureFuncs.
func makesBlocks(callee string) bool {
	if strings.HasPrefix(callee, "github.com/progrium/darwinkit/macos/") || strings.HasPrefix(callee, "(github.com/progrium/darwinkit/macos/") {
		return true
	}
	name, ok := strings.CutPrefix(callee, objcPath+".")
	return ok && closureFuncs[name]
}
