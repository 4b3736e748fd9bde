package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/keyward/keyward"
)

// The dashboard: the page AWS's IAM console shows first, with the account's
// counts and the security recommendations that concern credentials, each
// linking to the page that fixes it. Each part is shown only where the
// signed-in principal may read what it counts; a part it may not read is
// left out, never guessed.

// keyAgeAdvice is the age past which an active access key should have been
// rotated, and the time without use past which a key should go: AWS's
// advice of 90 days for both, unless the account's key lifecycle policy
// says otherwise.
const keyAgeAdvice = 90 * 24 * time.Hour

// expiringWithin is how soon a key's expiry date must be for the dashboard
// to warn of it: this week.
const expiringWithin = 7 * 24 * time.Hour

// dashboardScan bounds how many users the recommendations read, so that
// the first page of a very large account stays cheap; past it the page
// says that it counted only the first ones.
const dashboardScan = 5000

type recommendation struct {
	ID, Text, Fix, Href string
	Count               int
}

// countLabels name the account summary's counts the dashboard shows, in
// its order.
var countLabels = []struct{ Key, Label, Href string }{
	{"Users", "Users", "/console/users"}, {"Groups", "User groups", "/console/groups"},
	{"Policies", "Customer managed policies", "/console/policies"}, {"MFADevicesInUse", "MFA devices in use", ""},
}

type count struct {
	Key, Label, Href string
	Value            int
}

type dashboardPage struct {
	layout
	Counts          []count
	Recommendations []recommendation
	Checked         bool // whether the users could be read for the recommendations
	Partial         int  // users counted when the account has more than dashboardScan
}

func (c *Console) dashboardPage(w http.ResponseWriter, r *request) {
	p := dashboardPage{layout: c.layoutFor(r, "IAM dashboard")}
	summary, err := c.IAM.AccountSummary(r.ctx())
	switch {
	case err == nil:
		values := map[string]int{}
		for _, e := range summary {
			values[e.Key] = e.Value
		}
		for _, l := range countLabels {
			p.Counts = append(p.Counts, count{Key: l.Key, Label: l.Label, Href: l.Href, Value: values[l.Key]})
		}
		if values["AccountMFAEnabled"] == 0 {
			p.Recommendations = append(p.Recommendations, recommendation{ID: "root-mfa",
				Text: "Add MFA for the root user.",
				Fix:  "Assign an MFA device on the root user's security credentials page: its console sign-in then needs a code.", Href: "/console/security-credentials"})
		}
		if values["AccountAccessKeysPresent"] > 0 {
			p.Recommendations = append(p.Recommendations, recommendation{ID: "root-keys",
				Text: "The root user has access keys.",
				Fix:  "Delete them and use an IAM user or a role instead.", Href: "/console/security-credentials"})
		}
	case !denied(err):
		c.fail(w, r, err)
		return
	}
	if roles, _, err := c.IAM.ListRoles(r.ctx(), "/", "", 1000); err == nil {
		p.Counts = append(p.Counts, count{Key: "Roles", Label: "Roles", Href: "/console/roles", Value: len(roles)})
	}
	c.userRecommendations(r, &p)
	c.render(w, http.StatusOK, "dashboard", p)
}

// userRecommendations counts the users without MFA and the active keys
// that are old or unused, reading the users as the users page does.
func (c *Console) userRecommendations(r *request, p *dashboardPage) {
	now := c.Now()
	maxAge, unused := keyAgeAdvice, keyAgeAdvice
	enforcedAge := time.Duration(0) // the policy's maximum age, when it deactivates keys
	if c.Lifecycle != nil {
		// The policy, where the caller may read it, sets what "old" and
		// "unused" mean here.
		if policy, err := c.Lifecycle.AccessKeyPolicy(r.ctx()); err == nil {
			if policy.MaxAge.On() {
				maxAge = policy.MaxAge.After
				if !policy.MaxAge.ReportOnly {
					enforcedAge = maxAge
				}
			}
			if policy.Unused.On() {
				unused = policy.Unused.After
			}
		}
	}
	var noMFA, oldKeys, unusedKeys, expiring, scanned int
	for offset := 0; offset < dashboardScan; offset += pageSize * 4 {
		users, total, err := c.IAM.ConsoleUsers(r.ctx(), keyward.UserQuery{Sort: "name", Offset: offset, Limit: pageSize * 4})
		if err != nil {
			return // the caller may not list users: nothing to recommend about them
		}
		p.Checked = true
		for _, u := range users {
			scanned++
			if u.Shown.MFA && u.Shown.Login && u.Login != nil && u.MFADevices == 0 {
				noMFA++
			}
			for _, k := range u.Keys {
				if k.Status != keyward.StatusActive || k.Expired(now) {
					continue // an expired key signs nothing, whatever the sweep has done yet
				}
				if now.Sub(k.CreatedAt) > maxAge {
					oldKeys++
				}
				used := k.LastUsed.Time
				if used.IsZero() {
					used = k.CreatedAt
				}
				if u.Shown.KeyUse && now.Sub(used) > unused {
					unusedKeys++
				}
				// A key's end: its expiry date, or the day the policy's
				// maximum age deactivates it, whichever comes first.
				end := k.ExpiresAt
				if enforcedAge > 0 && (end.IsZero() || k.CreatedAt.Add(enforcedAge).Before(end)) {
					end = k.CreatedAt.Add(enforcedAge)
				}
				if !end.IsZero() && now.Before(end) && end.Sub(now) <= expiringWithin {
					expiring++
				}
			}
		}
		if offset+len(users) >= total || len(users) == 0 {
			break
		}
		if offset+len(users) >= dashboardScan {
			p.Partial = scanned
		}
	}
	add := func(n int, id, text, fix, href string) {
		if n > 0 {
			p.Recommendations = append(p.Recommendations, recommendation{ID: id, Count: n, Text: text, Fix: fix, Href: href})
		}
	}
	add(noMFA, "users-without-mfa", "users who sign in to the console have no MFA device.",
		"Assign an MFA device to each.", "/console/users?sort=mfa")
	add(oldKeys, "old-keys", "active access keys are older than "+days(maxAge)+".",
		"Rotate them: create a new key, move its users to it, deactivate the old one.", "/console/users?sort=keyage&order=desc")
	add(unusedKeys, "unused-keys", "active access keys have not been used for "+days(unused)+".",
		"Deactivate them, then delete them when nothing breaks.", "/console/users?sort=keyused")
	add(expiring, "expiring-keys", "active access keys expire within 7 days.",
		"Give their users new keys before they stop working.", "/console/users?sort=keyage&order=desc")
}

// The signed-in principal's own security credentials. An IAM user's are on
// its user page; the root user, which is no user of the account, has this
// page for its access keys, as AWS's "My security credentials".

type credentialsPage struct {
	layout
	Root bool
	Keys []keyward.AccessKey
	MFA  []keyward.MFADevice
}

func (c *Console) credentialsPage(w http.ResponseWriter, r *request) {
	if r.p.IsUser() {
		http.Redirect(w, r.Request, "/console/users/"+url.PathEscape(r.p.UserName)+"?tab=credentials", http.StatusSeeOther)
		return
	}
	p := credentialsPage{layout: c.layoutFor(r, "My security credentials"), Root: r.p.Root}
	if p.Root {
		keys, _, err := c.IAM.ListAccessKeys(r.ctx(), "", "", keyward.MaxAccessKeysPerUser)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		for _, k := range keys {
			if full, err := c.IAM.AccessKeyLastUsed(r.ctx(), k.ID); err == nil {
				k.LastUsed = full.LastUsed
			}
			p.Keys = append(p.Keys, k)
		}
		if p.MFA, err = c.IAM.RootMFADevices(r.ctx()); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, http.StatusOK, "credentials", p)
}

// days writes a rule's duration as the policy page does: in days, or in
// hours below one.
func days(d time.Duration) string {
	if d < 24*time.Hour {
		return strconv.Itoa(int(d.Hours())) + " hours"
	}
	if d == 24*time.Hour {
		return "1 day"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}
