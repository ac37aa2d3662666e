package darwincheck

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options say what to check.
type Options struct {
	Dir      string            // a directory of the module ("" = current)
	Patterns []string          // package patterns; nil means ./...
	Target   Target            // zero means Mac
	Overlay  map[string]string // absolute file path -> file whose contents replace it (tests plant errors so)
}

// Problem is one error found in a package of the module (or, kind "dependency", in a package it
// imports, which would make the module's own results unreliable).
type Problem struct {
	Pos  token.Position
	Kind string // "type", "parse", "lint", "list" or "dependency"
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%v: %s: %s", p.Pos, p.Kind, p.Msg) }

// Report is the outcome of Check.
type Report struct {
	Problems []Problem
	Files    []string // every file of the module that was type-checked (absolute, sorted)
	Packages int      // packages checked, dependencies and test variants included
	Elapsed  time.Duration
}

// sharedFset holds the positions of every file parsed in this process, so that dependency
// packages can be reused from depCache by later checks.
var sharedFset = token.NewFileSet()

// depCache keeps the type-checked dependencies (packages outside the module, which overlays do
// not touch) across calls of Check in one process: the tests check the module several times.
var depCache = &packageCache{m: map[string]*types.Package{}}

type packageCache struct {
	mu sync.Mutex
	m  map[string]*types.Package
}

func (c *packageCache) key(t Target, p *listedPackage) string {
	return t.GOOS + "/" + t.GOARCH + " " + p.ImportPath + " " + p.Dir
}

func (c *packageCache) get(t Target, p *listedPackage) *types.Package {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[c.key(t, p)]
}

func (c *packageCache) put(t Target, p *listedPackage, pkg *types.Package) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[c.key(t, p)] = pkg
}

// checked is one package after type-checking.
type checked struct {
	pkg  *types.Package
	done chan struct{}
}

// Check lists the packages of opts.Patterns for the target and type-checks every one of them and
// their dependencies from source: the module's packages (and their test variants) in full, the
// dependencies' declarations only (function bodies skipped: only their API matters here).
func Check(opts Options) (*Report, error) {
	start := time.Now()
	if opts.Target == (Target{}) {
		opts.Target = Mac
	}
	if len(opts.Patterns) == 0 {
		opts.Patterns = []string{"./..."}
	}
	overlayFile := ""
	if len(opts.Overlay) > 0 {
		f, err := os.CreateTemp("", "darwincheck-overlay-*.json")
		if err != nil {
			return nil, fmt.Errorf("darwincheck: overlay: %w", err)
		}
		defer os.Remove(f.Name())
		if err := json.NewEncoder(f).Encode(map[string]any{"Replace": opts.Overlay}); err != nil {
			f.Close()
			return nil, fmt.Errorf("darwincheck: overlay: %w", err)
		}
		f.Close()
		overlayFile = f.Name()
	}
	pkgs, err := goList(opts.Dir, opts.Target, overlayFile, opts.Patterns)
	if err != nil {
		return nil, err
	}
	sizes := types.SizesFor("gc", opts.Target.GOARCH)
	byID := map[string]*checked{"unsafe": {pkg: types.Unsafe, done: closedChan()}}
	for _, p := range pkgs {
		if p.ImportPath != "unsafe" {
			byID[p.ImportPath] = &checked{done: make(chan struct{})}
		}
	}
	rep := &Report{}
	var mu sync.Mutex
	add := func(pr Problem) {
		mu.Lock()
		rep.Problems = append(rep.Problems, pr)
		mu.Unlock()
	}
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, p := range pkgs {
		if p.ImportPath == "unsafe" {
			continue
		}
		wg.Add(1)
		go func(p *listedPackage) {
			defer wg.Done()
			me := byID[p.ImportPath]
			defer close(me.done)
			for _, id := range p.Imports {
				if dep := byID[id]; dep != nil {
					<-dep.done
				}
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			if !p.inModule() {
				if cached := depCache.get(opts.Target, p); cached != nil {
					me.pkg = cached
					return
				}
			}
			me.pkg = checkPackage(sharedFset, p, byID, sizes, opts.Overlay, add)
			if !p.inModule() {
				depCache.put(opts.Target, p, me.pkg)
			}
			if p.inModule() {
				mu.Lock()
				rep.Files = append(rep.Files, p.files()...)
				mu.Unlock()
			}
		}(p)
	}
	wg.Wait()
	rep.Packages = len(pkgs)
	rep.Files = dedup(rep.Files)
	rep.Problems = dedupProblems(rep.Problems) // a package and its test variant share files
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// checkPackage parses and type-checks one listed package; for the module's packages it also runs
// the objc.Call lint.
func checkPackage(fset *token.FileSet, p *listedPackage, byID map[string]*checked, sizes types.Sizes,
	overlay map[string]string, add func(Problem)) *types.Package {
	mine := p.inModule()
	kind := "type"
	if !mine {
		kind = "dependency"
	}
	if p.Error != nil {
		add(Problem{Pos: token.Position{Filename: p.Dir}, Kind: "list", Msg: p.ImportPath + ": " + p.Error.Err})
	}
	var files []*ast.File
	for _, path := range p.files() {
		src, err := readFile(path, overlay)
		if err != nil {
			add(Problem{Pos: token.Position{Filename: path}, Kind: "parse", Msg: err.Error()})
			continue
		}
		mode := parser.SkipObjectResolution
		if mine {
			mode |= parser.ParseComments
		}
		f, err := parser.ParseFile(fset, path, src, mode)
		if err != nil {
			add(Problem{Pos: token.Position{Filename: path}, Kind: "parse", Msg: err.Error()})
		}
		if f != nil {
			files = append(files, f)
		}
	}
	if strings.HasPrefix(p.ImportPath, "github.com/progrium/darwinkit/") {
		noteWrapAsProtocol(p.ImportPath, files)
	}
	conf := types.Config{
		FakeImportC:      true,
		IgnoreFuncBodies: !mine,
		GoVersion:        p.goVersion(),
		Sizes:            sizes,
		Importer:         importerFunc(func(path string) (*types.Package, error) { return lookup(p, byID, path) }),
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				add(Problem{Pos: te.Fset.Position(te.Pos), Kind: kind, Msg: te.Msg})
			} else {
				add(Problem{Kind: kind, Msg: err.Error()})
			}
		},
	}
	var info *types.Info
	if mine {
		info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	}
	pkg, _ := conf.Check(p.ImportPath, fset, files, info) // errors went to conf.Error
	if mine {
		for _, pr := range lintObjcCalls(fset, files, info) {
			add(pr)
		}
	}
	return pkg
}

// lookup resolves an import path of package p to a checked package.
func lookup(p *listedPackage, byID map[string]*checked, path string) (*types.Package, error) {
	id := path
	if m, ok := p.ImportMap[path]; ok {
		id = m
	}
	c := byID[id]
	if c == nil || c.pkg == nil {
		return nil, fmt.Errorf("darwincheck: %s imports %s, which go list did not give (or did not check)", p.ImportPath, id)
	}
	return c.pkg, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

func readFile(path string, overlay map[string]string) ([]byte, error) {
	if r, ok := overlay[path]; ok {
		return os.ReadFile(r)
	}
	return os.ReadFile(path)
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func dedup(s []string) []string {
	var out []string
	for _, x := range s {
		out = append(out, filepath.Clean(x))
	}
	sort.Strings(out)
	k := 0
	for i, x := range out {
		if i == 0 || x != out[k-1] {
			out[k] = x
			k++
		}
	}
	return out[:k]
}

// dedupProblems sorts problems by position and drops repeats.
func dedupProblems(ps []Problem) []Problem {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i].Pos, ps[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return ps[i].String() < ps[j].String()
	})
	var out []Problem
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}
