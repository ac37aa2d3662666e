package cli

import (
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/bridgetower-go/bt/hub"
	"github.com/bridgetower-go/bt/internal/progress"
)

// hubClient is a hub client from the environment (HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN,
// HF_HUB_OFFLINE) whose notes go to the app's error writer; progress bars appear on stderr when
// it is a terminal, unless quiet.
func hubClient(c *cli.Context, quiet bool) *hub.Client {
	cl := hub.NewClient()
	cl.UserAgent = "bt/" + Version
	cl.Quiet = quiet
	cl.Log = errWriter(c)
	return cl
}

func errWriter(c *cli.Context) io.Writer {
	if c.App.ErrWriter != nil {
		return c.App.ErrWriter
	}
	return os.Stderr
}

// resolveModel turns a --model value into a local model: a directory (config.json, weights,
// tokenizer and preprocessor files), a weights file (config and tokenizer next to it), or a hub
// id ORG/NAME[@REVISION], downloaded into the Hugging Face cache on first use (pytorch_model.bin
// converted once to safetensors). See package hub.
func resolveModel(c *cli.Context, spec string) (*hub.Model, error) {
	if _, err := os.Stat(spec); err != nil && !hub.LooksLikeModelID(spec) {
		return nil, usagef("--model %s: no such file or directory (nor a hub id ORG/NAME[@REVISION])", spec)
	}
	return hubClient(c, progress.Quiet).ResolveModel(c.Context, spec)
}
