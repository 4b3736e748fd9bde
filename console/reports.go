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
		// Text shaped like an access key ID: its owner, as
		// GetAccessKeyLastUsed tells; anything else names users.
		var k keyward.AccessKey
		var err error = keyward.AccessKeyNotFound(q)
		if keyID := strings.ToUpper(q); keyward.WellFormedAccessKeyID(keyID) {
			k, err = c.IAM.AccessKeyLastUsed(r.ctx(), keyID)
		}
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		if err == nil {
			owner := k.UserName
			if k.Root() {
				owner = "<root_account>"
			}
			p.Results = append(p.Results, searchResult{User: owner, Match: "Access key " + k.ID})
		} else {
			users, _, err := c.IAM.ConsoleUsers(r.ctx(), keyward.UserQuery{Filter: q, Sort: "name", Limit: 20})
			if err != nil {
				c.fail(w, r, err)
				return
			}
			for _, u := range users {
				p.Results = append(p.Results, searchResult{User: u.User.Name, Match: "User name"})
			}
		}
	}
	c.render(w, http.StatusOK, "search", p)
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
