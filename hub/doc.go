// Package hub downloads models from the Hugging Face hub into the cache that huggingface_hub
// (Python) uses, so that bt and Python tools share one copy of every file.
//
// Model ids are ORG/NAME[@REVISION]; the revision is a branch, a tag, refs/pr/N or a 40-hex commit
// (default "main").
//
// # Environment (as huggingface_hub reads it)
//
//   - HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE): the cache directory; else $HF_HOME/hub;
//     HF_HOME defaults to ${XDG_CACHE_HOME:-~/.cache}/huggingface.
//   - HF_ENDPOINT: the hub's URL (default https://huggingface.co).
//   - HF_TOKEN: the access token; else the file $HF_TOKEN_PATH (default $HF_HOME/token).
//   - HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1/ON/YES/TRUE: no network, cache only.
//
// # Cache layout (shared with Python)
//
//	$HF_HUB_CACHE/
//	├── .locks/models--ORG--NAME/<etag>.lock     flock'ed while <etag> is downloaded
//	└── models--ORG--NAME/
//	    ├── blobs/<etag>                         sha256 (LFS files) or git sha1 (small files)
//	    ├── blobs/<etag>.incomplete              partial download, resumed with a Range request
//	    ├── refs/<revision>                      the commit a branch/tag pointed to when last seen
//	    ├── snapshots/<commit>/<path>            relative symlink to ../../blobs/<etag>
//	    ├── .no_exist/<commit>/<path>            empty marker: the file does not exist at <commit>
//	    └── bt/                                  bt's own files (ignored by huggingface_hub)
//	        ├── safetensors/<key>/model.safetensors   pytorch_model.bin converted once
//	        └── snapshots/<commit>/                    model directory bt uses for a converted repo
//
// # Converted checkpoints
//
// The BridgeTower/* repositories publish pytorch_model.bin only. Reading a pickle is slow and
// copies every tensor, so on first use the checkpoint is converted (tensors, names and dtypes
// unchanged) to bt/safetensors/<key>/model.safetensors, where <key> is the sha256 etag of the
// pytorch_model.bin blob (for a sharded checkpoint: the sha256 of the newline-joined etags of
// the index and of its shards, in index order). bt/snapshots/<commit>/ then holds relative
// symlinks to the snapshot's config, tokenizer and preprocessor files and to the converted
// model.safetensors, so that every later use memory-maps it. Deleting the repository folder (as
// `huggingface-cli delete-cache` does) removes bt/ with it.
//
// # Downloads
//
// A HEAD request on {endpoint}/ORG/NAME/resolve/{revision}/{path} gives the commit
// (X-Repo-Commit), the blob name (X-Linked-Etag for LFS files, else ETag) and the size
// (X-Linked-Size, else Content-Length); relative redirects (renamed repositories) are followed,
// the redirect of LFS files to their CDN is the URL to GET (without the Authorization header when
// it is another host). The blob is written to blobs/<etag>.incomplete under the lock, resumed
// with Range requests after a cut connection or an earlier interrupted run, its size and (for
// sha256 etags) content hash checked, and renamed into place; a file that fails a check never
// enters the cache. Hub errors (X-Error-Code RepoNotFound, RevisionNotFound, EntryNotFound,
// GatedRepo with X-Error-Message) are returned as *Error naming the repository and file.
package hub
