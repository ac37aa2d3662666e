package train

import "github.com/bridgetower-go/bt/model"

// hfName is the published checkpoint name of a parameter: backbone parameters (text, vision and
// cross-modal groups) carry the "bridgetower." prefix, heads do not.
func hfName(group, name string) string {
	switch group {
	case model.GroupText, model.GroupVision, model.GroupCross:
		return model.BackbonePrefix + name
	}
	return name
}
