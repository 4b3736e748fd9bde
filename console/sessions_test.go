package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleSessionsEnd: a password reset by an administrator, a deleted
// login profile and the administrator's "sign out of all console sessions"
// end a user's console sessions, as AWS does; they once survived all three.
func TestConsoleSessionsEnd(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("hal")})
	must(t, err)
	password := "Hal-Passw0rd-1"
	createProfile := func() {
		_, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("hal"), Password: aws.String(password)})
		must(t, err)
	}
	signIn := func() *webClient {
		t.Helper()
		c := newWebClient(t, ts)
		if resp := c.signIn(userForm("hal", password)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hal's sign-in: %d", resp.StatusCode)
		}
		// What ends the session comes later: a session is ended by what
		// happens after it began, not at the same instant.
		ts.Clock.Add(time.Second)
		return c
	}
	signedIn := func(c *webClient) bool {
		t.Helper()
		resp, _ := c.get("/console/password")
		return resp.StatusCode == http.StatusOK
	}
	createProfile()

	t.Run("password reset by an administrator", func(t *testing.T) {
		c := signIn()
		// Requiring a reset alone leaves the session.
		_, err := root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("hal"), PasswordResetRequired: aws.Bool(false)})
		must(t, err)
		if !signedIn(c) {
			t.Fatal("a change of the reset flag ended the session")
		}
		password = "Hal-Passw0rd-2"
		_, err = root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("hal"), Password: aws.String(password)})
		must(t, err)
		if signedIn(c) {
			t.Fatal("the session survived a password reset")
		}
		if !signedIn(signIn()) {
			t.Fatal("no new session with the new password")
		}
	})
	t.Run("login profile deleted", func(t *testing.T) {
		c := signIn()
		_, err := root.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("hal")})
		must(t, err)
		if signedIn(c) {
			t.Fatal("the session survived DeleteLoginProfile")
		}
		// A new profile does not bring the old session back.
		createProfile()
		if signedIn(c) {
			t.Fatal("the old session came back with a new login profile")
		}
	})
	t.Run("ended by an administrator in the console", func(t *testing.T) {
		c := signIn()
		admin := newWebClient(t, ts)
		admin.signIn(rootForm(kwtest.RootSecret))
		resp, _ := admin.post("/console/users/hal/sessions/end", url.Values{"csrf": {admin.token()}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ending hal's sessions: %d", resp.StatusCode)
		}
		if signedIn(c) {
			t.Fatal("the session survived the administrator's sign-out")
		}
		if !signedIn(admin) {
			t.Fatal("the administrator was signed out too")
		}
	})
	t.Run("own password change keeps the session", func(t *testing.T) {
		c := signIn()
		other := signIn()
		_, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("hal"), PolicyArn: aws.String(awsPolicy + "IAMUserChangePassword")})
		must(t, err)
		_, page := c.get("/console/password")
		resp, _ := c.post("/console/password", url.Values{"csrf": {csrfOf(t, page)}, "old": {password}, "new": {"Hal-Passw0rd-3"}, "confirm": {"Hal-Passw0rd-3"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("changing the password: %d", resp.StatusCode)
		}
		password = "Hal-Passw0rd-3"
		if !signedIn(c) {
			t.Fatal("the session that changed the password ended")
		}
		if signedIn(other) {
			t.Fatal("another session survived the password change")
		}
	})
}
