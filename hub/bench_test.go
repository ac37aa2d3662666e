package hub

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/bridgetower-go/bt/hub/hubtest"
)

// BenchmarkDownloadLoopback downloads a 64 MiB LFS file from the loopback hub into an empty
// cache per iteration (HEAD, CDN GET, sha256, rename, link); SetBytes gives MB/s.
func BenchmarkDownloadLoopback(b *testing.B) {
	data := make([]byte, 64<<20)
	rand.New(rand.NewSource(1)).Read(data)
	h := hubtest.New(b)
	h.AddRepo("bench/big", commit1, map[string][]byte{"model.safetensors": data}, []string{"model.safetensors"}, "main")
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cache := b.TempDir()
		b.StartTimer()
		if _, err := testClient(h, cache).Download(context.Background(), "bench/big", "main", "model.safetensors"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(filepath.Join(cache, "models--bench--big"))
		b.StartTimer()
	}
}
