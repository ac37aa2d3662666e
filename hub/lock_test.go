//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package hub

import (
	"bufio"
	"context"
	"github.com/bridgetower-go/bt/hub/hubtest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// signalWriter closes ch the first time a write contains "waiting".
type signalWriter struct {
	ch   chan bool
	done bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if !w.done && strings.Contains(string(p), "waiting") {
		w.done = true
		close(w.ch)
	}
	return len(p), nil
}

func TestConcurrentDownloadsShareOneTransfer(t *testing.T) {
	h, files := m01Hub(t)
	sum := hubtest.SHA256(files["model.safetensors"])
	gets, release := h.Hold(sum)
	defer release()
	cache := t.TempDir()
	ctx := context.Background()
	type result struct {
		path string
		err  error
	}
	resA, resB := make(chan result, 1), make(chan result, 1)
	go func() {
		p, err := testClient(h, cache).Download(ctx, repoM01, "main", "model.safetensors")
		resA <- result{p, err}
	}()
	<-gets // A holds the lock and its GET is under way
	b := testClient(h, cache)
	waiting := &signalWriter{ch: make(chan bool)}
	b.Log = waiting
	go func() {
		p, err := b.Download(ctx, repoM01, "main", "model.safetensors")
		resB <- result{p, err}
	}()
	select {
	case <-waiting.ch:
	case r := <-resB:
		t.Fatalf("second download finished without waiting for the first: %+v", r)
	case <-gets:
		t.Fatal("second download fetched the blob while the first was under way")
	}
	release()
	a, bb := <-resA, <-resB
	if a.err != nil || bb.err != nil || a.path != bb.path {
		t.Fatalf("A %+v, B %+v", a, bb)
	}
	if got, _ := os.ReadFile(bb.path); string(got) != string(files["model.safetensors"]) {
		t.Fatal("content differs")
	}
	if n := len(h.CDNGets(sum)); n != 1 {
		t.Errorf("%d CDN GETs, want 1", n)
	}
}

// TestHelperDownload is run as a child process by TestLockHeldByAnotherProcess.
func TestHelperDownload(t *testing.T) {
	if os.Getenv("BT_HUB_HELPER") != "1" {
		t.Skip("helper process only")
	}
	c := &Client{Endpoint: os.Getenv("BT_HUB_ENDPOINT"), CacheDir: os.Getenv("BT_HUB_CACHE"), Quiet: true, Log: os.Stderr}
	p, err := c.Download(context.Background(), repoM01, "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	os.Stderr.WriteString("DONE " + p + "\n")
}

// Another process (Python's filelock takes the same flock) holds the blob's lock and finishes
// the blob; bt waits for it and then downloads nothing.
func TestLockHeldByAnotherProcess(t *testing.T) {
	h, files := m01Hub(t)
	data := files["model.safetensors"]
	sum := hubtest.SHA256(data)
	cache := t.TempDir()
	c := testClient(h, cache)
	unlock, err := lockFile(context.Background(), c.lockPath(repoM01, sum), nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDownload$", "-test.v")
	cmd.Env = append(os.Environ(), "BT_HUB_HELPER=1", "BT_HUB_ENDPOINT="+h.URL, "BT_HUB_CACHE="+cache)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var lines []string
	for sc.Scan() && !strings.Contains(sc.Text(), "waiting for another download") {
		lines = append(lines, sc.Text())
	}
	// The child is blocked on the lock: finish the blob as the other process would, release.
	blob := c.blobPath(repoM01, sum)
	os.MkdirAll(filepath.Dir(blob), 0o755)
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}
	unlock()
	var done string
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "DONE "); ok {
			done = rest
		}
		lines = append(lines, sc.Text())
	}
	if err := cmd.Wait(); err != nil || done == "" {
		t.Fatalf("child: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if done != filepath.Join(c.SnapshotDir(repoM01, commit1), "model.safetensors") {
		t.Errorf("child got %s", done)
	}
	if n := len(h.CDNGets(sum)); n != 0 {
		t.Errorf("the child downloaded the blob the other process finished (%d GETs)", n)
	}
}
