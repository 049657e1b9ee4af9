package model

import (
	"fmt"
	"sort"
	"strings"
)

// Archs lists the architecture names Build accepts, as torchvision names
// its model builders.
func Archs() []string {
	names := []string{"mobilenet_v3_small", "mobilenet_v3_large"}
	for n := range shufflenetWidths {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// InputShape is the input every architecture here is built for: torchvision's
// 224×224 RGB eval crop.
var InputShape = Shape{224, 224, 3}

// Build lowers a state dict into a Graph for arch ("" detects it from the
// keys and shapes) with the given padding. BatchNorms are folded.
func Build(sd *StateDict, arch string, pad Padding) (*Graph, error) {
	if arch == "" {
		a, err := DetectArch(sd)
		if err != nil {
			return nil, err
		}
		arch = a
	}
	b := newBuilder(sd, arch, pad, InputShape)
	switch arch {
	case "mobilenet_v3_small":
		return buildMobileNetV3(b, mobilenetV3Small, 1024)
	case "mobilenet_v3_large":
		return buildMobileNetV3(b, mobilenetV3Large, 1280)
	}
	if ch, ok := shufflenetWidths[arch]; ok {
		return buildShuffleNetV2(b, ch)
	}
	return nil, fmt.Errorf("unknown architecture %q: want one of %s", arch, strings.Join(Archs(), ", "))
}

// DetectArch names the torchvision architecture a state dict belongs to,
// from its keys and shapes.
func DetectArch(sd *StateDict) (string, error) {
	has := func(k string) bool { _, ok := sd.Tensors[k]; return ok }
	switch {
	case has("conv1.0.weight") && has("stage2.0.branch2.0.weight"):
		t := sd.Tensors["stage2.0.branch2.0.weight"] // [bf, in, 1, 1]
		if len(t.Shape) == 4 {
			for name, ch := range shufflenetWidths {
				if ch[1]/2 == t.Shape[0] {
					return name, nil
				}
			}
		}
		return "", fmt.Errorf("a ShuffleNetV2 checkpoint of a width edged does not know (stage2 branch width %v); pass --arch", t.Shape)
	case has("features.0.0.weight") && has("classifier.3.weight"):
		switch {
		case has("features.16.0.weight"):
			return "mobilenet_v3_large", nil
		case has("features.12.0.weight"):
			return "mobilenet_v3_small", nil
		}
		return "", fmt.Errorf("a MobileNet-like checkpoint that is neither mobilenet_v3_small nor mobilenet_v3_large; pass --arch")
	}
	return "", fmt.Errorf("unrecognised checkpoint (%d tensors, first key %q): edged runs %s; pass --arch if it is one of them",
		len(sd.Keys), firstKey(sd), strings.Join(Archs(), ", "))
}

func firstKey(sd *StateDict) string {
	if len(sd.Keys) == 0 {
		return ""
	}
	return sd.Keys[0]
}

// numClasses reads the class count from the classifier's weight, so
// fine-tuned heads with other class counts load too.
func numClasses(sd *StateDict, key string) int {
	if t, ok := sd.Tensors[key]; ok && len(t.Shape) == 2 && t.Shape[0] > 0 {
		return t.Shape[0]
	}
	return 1000
}
