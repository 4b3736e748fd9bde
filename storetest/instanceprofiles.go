package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/keyward/keyward"
)

func init() {
	suite(namedTest{"InstanceProfiles", testInstanceProfiles}, namedTest{"ConcurrentInstanceProfileRole", testConcurrentInstanceProfileRole})
	taggedKinds[keyward.TaggedInstanceProfile] = taggedKind{func(t *testing.T, s keyward.Store) string {
		must(t, s.CreateInstanceProfile(context.Background(), keyward.InstanceProfile{ID: "AIPA1", Name: "web", Path: "/", CreatedAt: t0}, quotas.InstanceProfiles))
		return "WEB"
	}, keyward.ErrNoSuchInstanceProfile}
}

func testInstanceProfiles(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	must(t, s.CreateRole(ctx, keyward.Role{ID: "AROA1", Name: "web", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	must(t, s.CreateRole(ctx, keyward.Role{ID: "AROA2", Name: "db", Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	p := keyward.InstanceProfile{ID: "AIPA1", Name: "web", Path: "/app/", CreatedAt: t0, Tags: []keyward.Tag{{Key: "k", Value: "v"}}}
	must(t, s.CreateInstanceProfile(ctx, p, quotas.InstanceProfiles))
	p.ID, p.Name = "AIPA2", "WEB"
	wantErr(t, s.CreateInstanceProfile(ctx, p, quotas.InstanceProfiles), keyward.ErrInstanceProfileExists)
	must(t, s.CreateInstanceProfile(ctx, keyward.InstanceProfile{ID: "AIPA3", Name: "batch", Path: "/", CreatedAt: t0}, quotas.InstanceProfiles))
	wantErr(t, s.SetInstanceProfileRole(ctx, "web", "none", false), keyward.ErrNoSuchRole)
	wantErr(t, s.SetInstanceProfileRole(ctx, "none", "web", false), keyward.ErrNoSuchInstanceProfile)
	must(t, s.SetInstanceProfileRole(ctx, "Web", "web", false))
	wantErr(t, s.SetInstanceProfileRole(ctx, "web", "db", false), keyward.ErrInstanceProfileFull)
	wantErr(t, s.SetInstanceProfileRole(ctx, "web", "db", true), keyward.ErrRoleNotInProfile)
	wantErr(t, s.DeleteRole(ctx, "web"), keyward.ErrRoleInInstanceProfile)
	wantErr(t, s.DeleteInstanceProfile(ctx, "web"), keyward.ErrEntityInUse)
	got, err := s.InstanceProfile(ctx, "WEB")
	must(t, err)
	if got.ID != "AIPA1" || len(got.Roles) != 1 || got.Roles[0].Name != "web" || len(got.Tags) != 1 || !got.CreatedAt.Equal(t0) {
		t.Fatalf("read %+v", got)
	}
	all, more, err := s.ListInstanceProfiles(ctx, "/", "", "", 1)
	must(t, err)
	if len(all) != 1 || !more || all[0].Name != "batch" {
		t.Fatalf("first page %+v %v", all, more)
	}
	all, more, err = s.ListInstanceProfiles(ctx, "/", "", "batch", 10)
	must(t, err)
	if len(all) != 1 || more || all[0].Name != "web" || len(all[0].Roles) != 1 {
		t.Fatalf("second page %+v %v", all, more)
	}
	forRole, _, err := s.ListInstanceProfiles(ctx, "/", "web", "", 10)
	must(t, err)
	none, _, err := s.ListInstanceProfiles(ctx, "/", "db", "", 10)
	must(t, err)
	under, _, err := s.ListInstanceProfiles(ctx, "/app/", "", "", 10)
	must(t, err)
	if len(forRole) != 1 || len(none) != 0 || len(under) != 1 {
		t.Fatalf("for web %d, for db %d, under /app/ %d", len(forRole), len(none), len(under))
	}
	_, _, err = s.ListInstanceProfiles(ctx, "/", "none", "", 10)
	wantErr(t, err, keyward.ErrNoSuchRole)
	must(t, s.UpdateTags(ctx, keyward.TaggedInstanceProfile, "web", func(old []keyward.Tag) ([]keyward.Tag, error) { return append(old, keyward.Tag{Key: "k2"}), nil }))
	must(t, s.SetInstanceProfileRole(ctx, "web", "web", true))
	must(t, s.DeleteInstanceProfile(ctx, "web"))
	wantErr(t, s.DeleteInstanceProfile(ctx, "web"), keyward.ErrNoSuchInstanceProfile)
	must(t, s.DeleteRole(ctx, "web"))
}

// testConcurrentInstanceProfileRole: of roles added to one profile at
// once, exactly one gets in.
func testConcurrentInstanceProfileRole(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	must(t, s.CreateInstanceProfile(ctx, keyward.InstanceProfile{ID: "AIPA1", Name: "web", Path: "/", CreatedAt: t0}, quotas.InstanceProfiles))
	const n = 8
	for i := range n {
		must(t, s.CreateRole(ctx, keyward.Role{ID: fmt.Sprintf("AROA%d", i), Name: fmt.Sprintf("r%d", i), Path: "/", TrustPolicy: "{}", MaxSessionDuration: 3600, CreatedAt: t0}, quotas.Roles))
	}
	ok := countOK(t, concurrentErrors(n, func(i int) error {
		return s.SetInstanceProfileRole(ctx, "web", fmt.Sprintf("r%d", i), false)
	}), keyward.ErrInstanceProfileFull)
	if ok != 1 {
		t.Fatalf("%d roles got into one profile", ok)
	}
}
