package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNewKeyWizardOffersWhatAppliesHere: "Application running on an AWS
// compute service" means nothing beside Keyward; the wizard offers AWS's
// other use cases, each with its alternative, and refuses one it did not
// offer.
func TestNewKeyWizardOffersWhatAppliesHere(t *testing.T) {
	s := newSite(t)
	s.k.User(t, "bo", "")
	admin := s.browser()
	admin.signInRoot()
	_, page := admin.do(http.MethodGet, "/console/users/bo/keys/new", nil)
	if strings.Contains(page, "compute service") {
		t.Error("the wizard offers an application running on an AWS compute service")
	}
	for _, want := range []string{"Command Line Interface (CLI)", "Local code", "Third-party service", "Application running outside AWS", "Other"} {
		if !strings.Contains(page, ">"+want+"</label>") {
			t.Errorf("the wizard does not offer %q", want)
		}
	}
	if n := strings.Count(page, "Alternative recommended:"); n != 5 {
		t.Errorf("%d alternatives, want one per use case", n)
	}
	token := csrf.FindStringSubmatch(page)[1]
	for _, tc := range []struct {
		usecase string
		status  int
	}{{"cli", http.StatusOK}, {"compute", http.StatusBadRequest}, {"made-up", http.StatusBadRequest}} {
		status, _ := admin.do(http.MethodPost, "/console/users/bo/keys/new", url.Values{"step": {"1"}, "usecase": {tc.usecase}, "understand": {"on"}, "csrf": {token}})
		if status != tc.status {
			t.Errorf("use case %q: %d, want %d", tc.usecase, status, tc.status)
		}
	}
}
