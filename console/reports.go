package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// Search and reports.

type searchPage struct {
	layout
	Results []searchResult
}

type searchResult struct {
	User, Match string
}

func (c *Console) search(w http.ResponseWriter, r *request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := searchPage{layout: c.layoutFor(r, "Search")}
	p.Query = q
	if q != "" {
		// Text shaped like an access key ID, or the start of one, names
		// keys; anything else, or a key ID no key has, names users.
		var err error
		if prefix := strings.ToUpper(q); keyIDPrefix(prefix) {
			p.Results, err = c.findKeys(r, prefix)
		}
		if err == nil && len(p.Results) == 0 {
			var users []keyward.UserSummary
			users, _, err = c.IAM.ConsoleUsers(r.ctx(), keyward.UserQuery{Filter: q, Sort: "name", Limit: searchResults})
			for _, u := range users {
				p.Results = append(p.Results, searchResult{User: u.User.Name, Match: "User name"})
			}
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, http.StatusOK, "search", p)
}

// searchResults bounds the results a search shows.
const searchResults = 20

// keyIDPrefix reports whether s (upper-cased) is an access key ID or the
// start of one: "AKIA" and up to 124 more letters and digits.
func keyIDPrefix(s string) bool {
	if !strings.HasPrefix(s, "AKIA") || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// findKeys finds the keys whose ID begins with prefix, and their owners,
// among what the caller may see through the API: a whole ID as
// GetAccessKeyLastUsed tells its owner, and every prefix among the keys of
// the users it may list (iam:ListUsers) whose keys it may list
// (iam:ListAccessKeys on each), the root user's own for the root user.
func (c *Console) findKeys(r *request, prefix string) ([]searchResult, error) {
	var results []searchResult
	found := func(owner, keyID string) {
		results = append(results, searchResult{User: owner, Match: "Access key " + keyID})
	}
	const root = "<root_account>"
	var exactErr error
	if keyward.WellFormedAccessKeyID(prefix) {
		k, err := c.IAM.AccessKeyLastUsed(r.ctx(), prefix)
		switch {
		case err == nil && k.Root():
			found(root, k.ID)
			return results, nil
		case err == nil:
			found(k.UserName, k.ID)
			return results, nil
		case denied(err):
			exactErr = err // the caller may still list the key's owner
		case keyward.ErrorCode(err) != keyward.ENoSuchEntity:
			return nil, err
		}
	}
	if r.p.Root {
		keys, _, err := c.IAM.ListAccessKeys(r.ctx(), "", "", keyward.MaxAccessKeysPerUser)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if strings.HasPrefix(k.ID, prefix) {
				found(root, k.ID)
			}
		}
	}
	// Every user a page at a time; the Service keeps of each the keys the
	// caller may list.
	for offset := 0; len(results) < searchResults; {
		users, total, err := c.IAM.ConsoleUsers(r.ctx(), keyward.UserQuery{Sort: "name", Offset: offset, Limit: 500})
		if err != nil {
			if denied(err) && exactErr != nil {
				return nil, exactErr
			}
			return nil, err
		}
		for _, u := range users {
			for _, k := range u.Keys {
				if strings.HasPrefix(k.ID, prefix) && len(results) < searchResults {
					found(u.User.Name, k.ID)
				}
			}
		}
		offset += len(users)
		if len(users) == 0 || offset >= total {
			break
		}
	}
	if len(results) == 0 && exactErr != nil {
		return nil, exactErr
	}
	return results, nil
}

type reportsPage struct {
	layout
	Ready     bool
	Generated time.Time
	State     string
}

func (c *Console) reportsPage(w http.ResponseWriter, r *request) {
	p := reportsPage{layout: c.layoutFor(r, "Credential report")}
	rep, err := c.Reports.CredentialReport(r.ctx())
	switch {
	case denied(err):
		c.fail(w, r, err)
		return
	case err == nil:
		p.Ready, p.Generated = true, rep.GeneratedAt
		// "Generation started" is stale once a report begun after the
		// request is there.
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		if r.URL.Query().Get("notice") == "report-started" && rep.SnapshotAt.UnixNano() > since {
			p.Notice = notices["report-ready"]
		}
	case keyward.ErrorCode(err) == keyward.EReportInProgress:
		p.State = "A credential report is being generated. Reload this page in a moment to download it."
	case keyward.ErrorCode(err) == keyward.EReportNotPresent:
		p.State = "No credential report has been generated yet."
	default:
		p.State = keyward.ErrorMessage(err)
	}
	c.render(w, http.StatusOK, "reports", p)
}

func (c *Console) generateReport(w http.ResponseWriter, r *request) {
	asked := c.Now()
	state, _, err := c.Reports.GenerateCredentialReport(r.ctx())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	notice := "report-started"
	if state == keyward.ReportComplete {
		notice = "report-ready"
	}
	redirect(w, r, "/console/reports?since="+strconv.FormatInt(asked.UnixNano(), 10), notice)
}

func (c *Console) downloadReport(w http.ResponseWriter, r *request) {
	rep, err := c.Reports.CredentialReport(r.ctx())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="status_reports_`+rep.GeneratedAt.UTC().Format("2006-01-02T15_04_05")+`.csv"`)
	w.Write(rep.Content)
}
