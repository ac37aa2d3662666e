package hub

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultRevision is the revision used when a model id has none.
const DefaultRevision = "main"

// ModelID is a parsed ORG/NAME[@REVISION].
type ModelID struct {
	Repo     string // ORG/NAME
	Revision string // branch, tag, refs/pr/N or commit; DefaultRevision when not given
}

func (m ModelID) String() string { return m.Repo + "@" + m.Revision }

var (
	repoPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)
	commitRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ParseModelID parses ORG/NAME[@REVISION] with huggingface_hub's repo-id rules for each part
// (letters, digits, '.', '_', '-'; no leading '.' or '-'; no "--" or ".."; at most 96 chars).
func ParseModelID(s string) (ModelID, error) {
	repo, rev, hasRev := strings.Cut(s, "@")
	if hasRev && rev == "" {
		return ModelID{}, fmt.Errorf("hub: model id %q: empty revision after '@'", s)
	}
	if !hasRev {
		rev = DefaultRevision
	}
	if err := checkRepoID(repo); err != nil {
		return ModelID{}, fmt.Errorf("hub: model id %q: %v", s, err)
	}
	if strings.Contains(rev, "..") || strings.HasPrefix(rev, "/") || strings.HasSuffix(rev, "/") {
		return ModelID{}, fmt.Errorf("hub: model id %q: bad revision %q", s, rev)
	}
	return ModelID{Repo: repo, Revision: rev}, nil
}

// LooksLikeModelID reports whether s has the shape ORG/NAME[@REV] (it may still be a local path).
func LooksLikeModelID(s string) bool {
	_, err := ParseModelID(s)
	return err == nil
}

func checkRepoID(repo string) error {
	org, name, ok := strings.Cut(repo, "/")
	if !ok || strings.Contains(name, "/") {
		return fmt.Errorf("want ORG/NAME")
	}
	for _, p := range []string{org, name} {
		if !repoPart.MatchString(p) || strings.Contains(p, "--") || strings.Contains(p, "..") ||
			strings.HasSuffix(p, ".") || strings.HasSuffix(p, "-") {
			return fmt.Errorf("%q is not a valid repository id part", p)
		}
	}
	return nil
}

// IsCommit reports whether rev is a full 40-hex commit hash.
func IsCommit(rev string) bool { return commitRe.MatchString(rev) }

// repoFolder is the cache folder name of a model repository: models--ORG--NAME.
func repoFolder(repo string) string { return "models--" + strings.ReplaceAll(repo, "/", "--") }
