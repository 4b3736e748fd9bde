package console

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/otpqr"
)

// MFA: assigning a virtual device to a user, or to the root user on its
// own security credentials page (the name, then the QR code and two
// consecutive codes, as AWS's console asks), removing it, and the second
// step of sign-in for a user who has one.

type mfaPage struct {
	layout
	Owner mfaOwner
	Step  int
	// Step 2: the new device, its QR code as a data: URI and its seed.
	Serial string
	QR     template.URL
	Seed   string
	Name   string
}

// mfaOwner is whom an MFA form assigns a device to or removes one from: a
// user the path names, or the root user.
type mfaOwner struct {
	User keyward.User
	Root bool
}

// Base is the path of the owner's MFA forms.
func (o mfaOwner) Base() string {
	if o.Root {
		return "/console/security-credentials/mfa"
	}
	return "/console/users/" + url.PathEscape(o.User.Name) + "/mfa"
}

// Back is the page that lists the owner's devices.
func (o mfaOwner) Back() string {
	if o.Root {
		return "/console/security-credentials"
	}
	return "/console/users/" + url.PathEscape(o.User.Name) + "?tab=credentials"
}

// notice is the notice of a change to the owner's devices.
func (o mfaOwner) notice(name string) string {
	if o.Root {
		return "root-" + name
	}
	return name
}

// deviceName is the name the first step suggests.
func (o mfaOwner) deviceName() string {
	if o.Root {
		return "root-account-mfa-device" // the name AWS's console gave the root user's
	}
	return o.User.Name
}

// mfaOwnerOf is the owner r's path names. The root user's forms are the
// root user's alone: IAM refuses any other principal its devices, and the
// page asks first, so that no device is made for an assignment that
// cannot happen.
func (c *Console) mfaOwnerOf(r *request) (mfaOwner, error) {
	if r.PathValue("name") == "" {
		_, err := c.IAM.RootMFADevices(r.ctx())
		return mfaOwner{Root: true}, err
	}
	u, err := c.target(r)
	return mfaOwner{User: u}, err
}

func (c *Console) newMFAPage(w http.ResponseWriter, r *request) {
	o, err := c.mfaOwnerOf(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "mfa", mfaPage{layout: c.layoutFor(r, "Assign MFA device"), Owner: o, Step: 1, Name: o.deviceName()})
}

// newMFA creates the device and shows its QR code: the only time its seed
// leaves Keyward.
func (c *Console) newMFA(w http.ResponseWriter, r *request) {
	o, err := c.mfaOwnerOf(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page := mfaPage{layout: c.layoutFor(r, "Assign MFA device"), Owner: o, Step: 1, Name: r.PostFormValue("device")}
	err = checkForm(r.op, map[string]string{"VirtualMFADeviceName": page.Name})
	if err == nil && len(page.Name) > 128 {
		// The form keeps a device's name to 128 characters, fewer than the
		// API allows.
		var v keyward.Validation
		v.Len("virtualMFADeviceName", len(page.Name), 128)
		err = v.Err()
	}
	if err == nil && o.Root {
		requested(r, map[string]any{"virtualMFADeviceName": keyward.Clip(page.Name)})
	}
	var d keyward.NewVirtualMFADevice
	if err == nil {
		d, err = c.IAM.CreateVirtualMFADevice(r.ctx(), page.Name, "/", nil)
	}
	if err != nil {
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		page.Error = keyward.ErrorMessage(err)
		c.render(w, http.StatusBadRequest, "mfa", page)
		return
	}
	page.Step, page.Serial, page.Seed = 2, d.SerialNumber, d.Base32Seed()
	png := otpqr.PNG(otpqr.URI(d.Name, d.Account, d.Base32Seed()))
	page.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	// The QR code is an image in the page itself: this page alone allows
	// data: images.
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "img-src 'self'", "img-src 'self' data:", 1))
	c.render(w, http.StatusOK, "mfa", page)
}

// enableMFA checks two consecutive codes and assigns the device. A device
// whose codes were wrong is deleted: its seed cannot be shown again, so
// the administrator starts over with a new one.
func (c *Console) enableMFA(w http.ResponseWriter, r *request) {
	o, err := c.mfaOwnerOf(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	serial := r.PostFormValue("serial")
	userName := o.User.Name
	if o.Root {
		// The root user has no user name; the API names it by the
		// account's ID (ListMFADevices).
		userName = c.IAM.Account(r.ctx()).ID
	}
	err = checkForm(r.op, map[string]string{"UserName": userName, "SerialNumber": serial,
		"AuthenticationCode1": r.PostFormValue("code1"), "AuthenticationCode2": r.PostFormValue("code2")})
	switch {
	case err == nil && o.Root:
		requested(r, map[string]any{"serialNumber": keyward.Clip(serial)})
		err = c.IAM.EnableRootMFADevice(r.ctx(), serial, r.PostFormValue("code1"), r.PostFormValue("code2"))
	case err == nil:
		err = c.IAM.EnableMFADevice(r.ctx(), o.User.Name, serial, r.PostFormValue("code1"), r.PostFormValue("code2"))
	}
	if err != nil {
		r.failed = err // the refusal is the form's event
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		if keyward.ErrorCode(err) == keyward.EInvalidAuthenticationCode || keyward.ErrorCode(err) == keyward.EValidationError {
			// Unassigned, and useless without its seed. Its deletion is an
			// event of its own: written with the form's, it would record
			// the refused EnableMFADevice as done.
			c.deleteDevice(r, serial)
		}
		page := mfaPage{layout: c.layoutFor(r, "Assign MFA device"), Owner: o, Step: 1, Name: o.deviceName()}
		page.Error = keyward.ErrorMessage(err) + " Start again with a new device."
		c.render(w, http.StatusBadRequest, "mfa", page)
		return
	}
	redirect(w, r, o.Back(), o.notice("mfa-assigned"))
}

// removeMFA deactivates a device and deletes it. The root user's removal
// is two events, as on AWS: DeactivateMFADevice (the form's) and
// DeleteVirtualMFADevice.
func (c *Console) removeMFA(w http.ResponseWriter, r *request) {
	o, err := c.mfaOwnerOf(r)
	serial := r.PostFormValue("serial")
	if err == nil && o.Root {
		requested(r, map[string]any{"serialNumber": keyward.Clip(serial)})
		err = c.IAM.DeactivateRootMFADevice(r.ctx(), serial)
		if err == nil {
			err = c.deleteDevice(r, serial)
		}
	} else if err == nil {
		err = c.IAM.DeactivateMFADevice(r.ctx(), o.User.Name, serial)
		if err == nil {
			err = c.IAM.DeleteVirtualMFADevice(r.ctx(), serial)
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, o.Back(), o.notice("mfa-removed"))
}

// deleteDevice deletes a device a form has done with (deactivated, or
// never enabled), with its own DeleteVirtualMFADevice event.
func (c *Console) deleteDevice(r *request, serial string) error {
	var pe *keyward.PendingEvent
	ctx := r.ctx()
	if op := operation("DeleteVirtualMFADevice"); c.Audit != nil && op.Audited() {
		pe = c.consoleEvent(r.Request, r.p, op)
		pe.Event.RequestParameters = map[string]any{"serialNumber": keyward.Clip(serial)}
		ctx = keyward.WithEvent(ctx, pe)
	}
	err := c.IAM.DeleteVirtualMFADevice(ctx, serial)
	c.auditForm(pe, err)
	return err
}

// pendingMFA is what the sign-in's second step carries between the
// password and the code: signed, good for mfaStepLifetime, and spent by
// the session it begins (ID).
type pendingMFA struct {
	// ID names the step for its one use: a copy of the cookie, taken
	// before the user finished, must not begin a second session with a
	// later code and no password.
	ID string `json:"s"`
	// Account is the ID of the account the user signs in to.
	Account  string `json:"a,omitempty"`
	UserName string `json:"u"`
	UserID   string `json:"i"`
	Reset    bool   `json:"r,omitempty"`
	Expires  int64  `json:"e"`
	// Issued is when the password was checked (Unix nanoseconds), and so
	// when the session the code completes begins: a password reset, a
	// deleted login profile or an administrator's ending of the user's
	// sessions between the two steps ends it, as it ends every session
	// begun before.
	Issued int64 `json:"t,omitempty"`
}

const (
	pendingMFACookie = "keyward_mfa"
	mfaStepLifetime  = 5 * time.Minute
)

type signInMFAPage struct {
	layout
	CSRF  string
	Error string
}

// askForMFA answers a right password of a user who has an MFA device:
// no session yet (s is the one the code will begin), a page asking for
// the code.
func (c *Console) askForMFA(w http.ResponseWriter, r *http.Request, s session) {
	pending := pendingMFA{ID: c.token(), Account: s.Account, UserName: s.UserName, UserID: s.UserID, Reset: s.Reset, Expires: c.Now().Add(mfaStepLifetime).Unix(),
		Issued: s.Issued}
	http.SetCookie(w, &http.Cookie{Name: pendingMFACookie, Value: sealCookie(pending, c.signAs("mfa:")),
		Path: "/console/signin", HttpOnly: true, Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, MaxAge: int(mfaStepLifetime / time.Second)})
	c.renderSignInMFA(w, r, "", http.StatusOK)
}

func (c *Console) renderSignInMFA(w http.ResponseWriter, r *http.Request, msg string, status int) {
	tok := c.preCSRF(w, r)
	c.render(w, status, "signinmfa", signInMFAPage{layout: layout{Title: "Multi-factor authentication", Account: c.IAM.Account(r.Context()).ID}, CSRF: tok, Error: msg})
}

// signInMFA checks the code of the sign-in's second step.
func (c *Console) signInMFA(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || len(r.PostFormValue("code")) > 6 || len(r.PostFormValue("csrf")) > 64 {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	if !preCSRFValid(w, r) {
		return
	}
	var p pendingMFA
	if !openCookie(r, pendingMFACookie, 0, c.signAs("mfa:"), &p) || p.ID == "" || c.Now().Unix() >= p.Expires {
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	// Each attempt at the code is a ConsoleLogin of the user (whose
	// password was right): whoever holds the password does not guess
	// codes unseen, and the session begun says it was begun with one.
	audited := r.WithContext(iam.AccountContext(r.Context(), p.Account))
	// Codes are six digits: guesses are limited as passwords are.
	try, allowed := c.limiter.begin("mfa:"+p.Account+"/"+keyward.FoldName(p.UserName), c.Clients.Addr(r))
	if !allowed {
		c.signedIn(audited, false, p.UserName, "throttled", false)
		c.renderSignInMFA(w, r, "Too many failed sign-in attempts. Wait a few minutes and try again.", http.StatusTooManyRequests)
		return
	}
	var v keyward.Validation
	v.String("code", r.PostFormValue("code"), keyward.AuthenticationCodeShape)
	if err := v.Err(); err != nil {
		c.signedIn(audited, false, p.UserName, "failed", false)
		c.renderSignInMFA(w, r, "Enter the six-digit code your authenticator app shows.", http.StatusUnauthorized)
		return
	}
	// The user the password was checked for must still hold as a
	// session begun then would: the same user, its sessions not ended
	// since (a password reset, a deleted login profile, an
	// administrator's), its account open.
	if _, err := c.STS.SessionPrincipal(r.Context(), keyward.ConsoleSession{AccountID: p.Account, UserName: p.UserName, UserID: p.UserID,
		Issued: time.Unix(0, p.Issued)}); err != nil {
		if keyward.ErrorCode(err) == keyward.EServiceUnavailable {
			c.renderSignInMFA(w, r, "The sign-in could not be completed. Try again.", http.StatusServiceUnavailable)
			return
		}
		c.signedIn(audited, false, p.UserName, "failed", false)
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	hasDevice, err := c.IAM.CheckMFACode(audited.Context(), p.UserName, r.PostFormValue("code"))
	if err == nil && !hasDevice {
		// The device was removed since the password was checked: no code
		// proves anything now. The user signs in again, and is asked for
		// what its credentials are then.
		c.signedIn(audited, false, p.UserName, "failed", false)
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	if err != nil {
		time.Sleep(c.SignInDelay)
		c.signedIn(audited, false, p.UserName, "failed", false)
		c.renderSignInMFA(w, r, "The code is not valid. Enter the current code from your MFA device.", http.StatusUnauthorized)
		return
	}
	// Only now, once the code is right: a record written for every
	// attempt would be a store write for every guess. The use is no change
	// of the request's, and is recorded with no event; a step spent
	// already is a failed sign-in, in the trail.
	first, err := c.STS.SpendSignInState(r.Context(), "mfa-step:"+p.ID, c.Now(), time.Unix(p.Expires, 0))
	if err != nil {
		c.signedIn(audited, false, p.UserName, "failed", false)
		c.renderSignInMFA(w, r, "The sign-in could not be completed. Try again.", http.StatusServiceUnavailable)
		return
	}
	if !first {
		c.signedIn(audited, false, p.UserName, "failed", false)
		http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
		return
	}
	c.limiter.succeed(try)
	c.signedIn(audited, false, p.UserName, "ok", true)
	http.SetCookie(w, &http.Cookie{Name: pendingMFACookie, Value: "", Path: "/console/signin", HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
	now := c.Now()
	issued := p.Issued
	if issued == 0 {
		issued = now.UnixNano()
	}
	c.setSession(w, r, session{ID: c.token(), Account: p.Account, Expires: now.Add(SessionLifetime).Unix(), Issued: issued, CSRF: c.token(),
		UserName: p.UserName, UserID: p.UserID, Reset: p.Reset, MFA: now.Unix()})
	http.Redirect(w, r, "/console/users", http.StatusSeeOther)
}
