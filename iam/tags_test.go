package iam_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/storetest"
)

// tagFixture makes an entity of a taggable kind for TestTagsOfEveryKind
// and returns how requests name it and a name of none of its kind.
type tagFixture func(t *testing.T, b *apiServer) (id, none string)

// tagFixtures are the taggable kinds' fixtures, each added by the tests
// of its entity.
var tagFixtures = map[keyward.TagKind]tagFixture{}

// TestTagsOfEveryKind holds the one tagging implementation to AWS's rules
// for every taggable kind: keys compared case-insensitively, at most 50
// tags, no key twice in a request, and the kind's own NoSuchEntity.
func TestTagsOfEveryKind(t *testing.T) {
	b := newAPIServer(t)
	root := b.RootContext()
	if kinds := iam.TagKinds(); !slices.Equal(storetest.TagKinds(), kinds) {
		t.Fatalf("the store's conformance suite tags %v, iam tags %v", storetest.TagKinds(), kinds)
	}
	for _, kind := range iam.TagKinds() {
		make, ok := tagFixtures[kind]
		if !ok {
			t.Fatalf("no entity of kind %s to tag here (tagFixtures)", kind)
		}
		id, none := make(t, b)
		wantCode := func(err error, code, message string) {
			t.Helper()
			if keyward.ErrorCode(err) != code || !strings.Contains(keyward.ErrorMessage(err), message) {
				t.Fatalf("%s: got %v, want %s %q", kind, err, code, message)
			}
		}
		must(t, b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "team", Value: "a"}, {Key: "cost", Value: "1"}}))
		must(t, b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "TEAM", Value: "b"}}))
		tags, err := b.IAM.ResourceTags(root, kind, id)
		must(t, err)
		if len(tags) != 2 || tags[0] != (keyward.Tag{Key: "TEAM", Value: "b"}) || tags[1].Key != "cost" {
			t.Fatalf("%s: tags %+v", kind, tags)
		}
		wantCode(b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "k", Value: "1"}, {Key: "K", Value: "2"}}),
			keyward.EInvalidInput, "Duplicate tag keys")
		var more []keyward.Tag
		for i := len(tags); i < keyward.MaxTagsPerSet; i++ {
			more = append(more, keyward.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
		}
		must(t, b.IAM.TagResource(root, kind, id, more))
		wantCode(b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "one-more", Value: "v"}}),
			keyward.ELimitExceeded, "The number of tags has reached the maximum limit.")
		must(t, b.IAM.UntagResource(root, kind, id, []string{"team", "absent"}))
		tags, err = b.IAM.ResourceTags(root, kind, id)
		must(t, err)
		if len(tags) != keyward.MaxTagsPerSet-1 || tags[0].Key != "cost" {
			t.Fatalf("%s: after untagging, %d tags from %q", kind, len(tags), tags[0].Key)
		}

		_, err = b.IAM.ResourceTags(root, kind, none)
		wantCode(err, keyward.ENoSuchEntity, "")
		wantCode(b.IAM.TagResource(root, kind, none, []keyward.Tag{{Key: "k", Value: "v"}}), keyward.ENoSuchEntity, "")
		wantCode(b.IAM.UntagResource(root, kind, none, []string{"k"}), keyward.ENoSuchEntity, "")
	}

	// AWS's own managed policies are not the account's to tag.
	aws := keyward.AWSManagedPolicyARNPrefix + "ReadOnlyAccess"
	err := b.IAM.TagResource(root, keyward.TaggedPolicy, aws, []keyward.Tag{{Key: "k", Value: "v"}})
	if keyward.ErrorCode(err) != keyward.EInvalidInput || !strings.Contains(keyward.ErrorMessage(err), "AWS managed policy") {
		t.Fatalf("tagging %s: %v", aws, err)
	}
}
