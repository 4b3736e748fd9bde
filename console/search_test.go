package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestSearchFindsKeysByPrefix: the search box promises access keys, and a
// key ID's beginning ("AKIA") found nothing. It finds the keys, and their
// users, that the caller may list through the API, no others.
func TestSearchFindsKeysByPrefix(t *testing.T) {
	s := newSite(t)
	boKey, _ := s.k.User(t, "bo", "")
	cyKey, _ := s.k.User(t, "cy", "")
	s.withPassword("al", "Al-Passw0rd-1", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"},
		{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"arn:aws:iam::`+kwtest.AccountID+`:user/bo"}]}`)
	s.withPassword("nobody", "Nobody-Passw0rd-1", "")

	admin := s.browser()
	admin.signInRoot()
	al := s.browser()
	if status := al.signInUser(kwtest.AccountID, "al", "Al-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("al's sign-in: %d", status)
	}
	nobody := s.browser()
	if status := nobody.signInUser(kwtest.AccountID, "nobody", "Nobody-Passw0rd-1"); status != http.StatusSeeOther {
		t.Fatalf("nobody's sign-in: %d", status)
	}
	type result struct{ user, key string }
	results := func(page string) []result {
		var out []result
		for _, m := range regexp.MustCompile(`<li>(?:Root user|<a href="/console/users/(\w+)">\w+</a>) <span class="match">Access key (\w+)</span></li>`).FindAllStringSubmatch(page, -1) {
			out = append(out, result{m[1], m[2]})
		}
		return out
	}
	for _, tc := range []struct {
		name, as, q string
		status      int
		want        []result
	}{
		{"root, by the common prefix", "root", "AKIA", 200, []result{{"", kwtest.RootKeyID}, {"bo", boKey}, {"cy", cyKey}}},
		{"root, by a longer prefix in lower case", "root", strings.ToLower(boKey[:19]), 200, []result{{"bo", boKey}}},
		{"root, by the whole ID", "root", cyKey, 200, []result{{"cy", cyKey}}},
		{"al sees only the keys it may list", "al", "akia", 200, []result{{"bo", boKey}}},
		{"al, cy's key's beginning", "al", cyKey[:12], 200, nil},
		// A whole ID is looked up as GetAccessKeyLastUsed tells its owner,
		// which al may not call: refused, whether the key exists or not.
		{"al, cy's whole key ID", "al", cyKey, 403, nil},
		{"al, bo's whole key ID", "al", boKey, 200, []result{{"bo", boKey}}},
		{"nobody may list users", "nobody", "AKIA", 403, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := map[string]*browser{"root": admin, "al": al, "nobody": nobody}[tc.as]
			status, page := b.do(http.MethodGet, "/console/search?q="+url.QueryEscape(tc.q), nil)
			if status != tc.status {
				t.Fatalf("%d, want %d", status, tc.status)
			}
			got := results(page)
			if len(got) != len(tc.want) {
				t.Fatalf("results %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] && !(tc.want[i].user == "" && got[i].key == tc.want[i].key) {
					t.Fatalf("results %v, want %v", got, tc.want)
				}
			}
			if tc.status == 200 && len(tc.want) == 0 && !strings.Contains(page, "No user or access key matches") {
				t.Fatal("no results, and the page does not say so")
			}
		})
	}
}
