package changes

import (
	"testing"

	"github.com/keyward/keyward"
)

func TestBus(t *testing.T) {
	var b Bus
	var keys, policies []keyward.Change
	b.Subscribe(func(c keyward.Change) { keys = append(keys, c) }, keyward.ChangedAccessKey, keyward.ChangedUsers)
	b.Subscribe(func(c keyward.Change) { policies = append(policies, c) }, keyward.ChangedPolicies, keyward.ChangedUsers)
	for _, announced := range []string{"AKIAEXAMPLE000000001", keyward.PoliciesChanged, keyward.UsersChanged, ""} {
		b.Publish(Remote(announced))
	}
	if len(keys) != 3 || keys[0].AccessKeyID != "AKIAEXAMPLE000000001" || keys[1].Kind != keyward.ChangedUsers || keys[2].Kind != keyward.ChangedEverything {
		t.Errorf("key subscriber got %+v", keys)
	}
	if len(policies) != 3 || policies[0].Kind != keyward.ChangedPolicies || policies[2].Kind != keyward.ChangedEverything {
		t.Errorf("policy subscriber got %+v", policies)
	}
}

// TestRemoteOrganizations: another replica's Organizations change reaches
// the subscribers of ChangedOrganizations, and only them.
func TestRemoteOrganizations(t *testing.T) {
	var b Bus
	var orgs, policies int
	b.Subscribe(func(keyward.Change) { orgs++ }, keyward.ChangedOrganizations)
	b.Subscribe(func(keyward.Change) { policies++ }, keyward.ChangedPolicies)
	b.Publish(Remote(keyward.OrganizationsChanged))
	if orgs != 1 || policies != 0 {
		t.Errorf("organizations' subscriber called %d times, policies' %d", orgs, policies)
	}
}
