package sigv4_test

import (
	"testing"

	"github.com/keyward/keyward/sigv4"
)

func TestValidRegionName(t *testing.T) {
	for _, r := range []string{"us-east-1", "us-gov-west-1", "eu-isoe-west-1", "ap-southeast-7", "cn-northwest-1", "us-isob-east-1", "il-central-1"} {
		if !sigv4.ValidRegionName(r) {
			t.Errorf("%s refused", r)
		}
	}
	for _, r := range []string{"", "us", "us-east", "useast1", "US-EAST-1", "us-east-1a", "us-east-100", "=HYPERLINK(\"x\")", "us-east-1-", "-us-east-1",
		"us--east-1", "aa-bb-cc-dd-ee-1", "auto", "us-east-1\n", "x-east-1"} {
		if sigv4.ValidRegionName(r) {
			t.Errorf("%q accepted", r)
		}
	}
}
