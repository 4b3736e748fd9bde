package iam

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of MFA devices, and how they are tagged.
func init() {
	describe(map[string]keyward.Operation{
		"CreateVirtualMFADevice": keyward.Changes(keyward.ReqParam("VirtualMFADeviceName", virtualMFADeviceNameShape), keyward.OptParam("Path", keyward.PathShape), keyward.TagsParam(false)),
		"EnableMFADevice":        keyward.Changes(userNameParam, serialNumberParam, authCode1Param, authCode2Param),
		"ResyncMFADevice":        keyward.Changes(userNameParam, serialNumberParam, authCode1Param, authCode2Param),
		// UserName is optional, as AWS's SDKs have it now: the caller's, the
		// root user's own device when the root user calls.
		"DeactivateMFADevice":    keyward.Changes(optUserNameParam, serialNumberParam),
		"DeleteVirtualMFADevice": keyward.Changes(serialNumberParam),
		"ListMFADevices":         keyward.Reads(optUserNameParam, markerParam, maxItemsParam),
		"ListVirtualMFADevices":  keyward.Reads(keyward.OptParam("AssignmentStatus", assignmentStatusShape), markerParam, maxItemsParam),
	})
	taggables[keyward.TaggedMFADevice] = taggable{
		by:        serialNumberParam,
		authorize: (*Service).authorizeMFADevice,
		read: func(s *Service, ctx context.Context, id string) ([]keyward.Tag, error) {
			d, err := s.store(ctx).MFADevice(ctx, id)
			return d.Tags, err
		},
		missing: keyward.ErrNoSuchMFADevice, notFound: func(id string) error { return mfaDeviceNotFound(id) },
	}
}

const (
	totpStep   = 30 // seconds
	totpDigits = 6
	// mfaSeedSize is the seed's size: 40 bytes, 64 characters of Base32, as
	// AWS's Base32StringSeed.
	mfaSeedSize = 40
	// enableWindow is how many steps before now the first of two codes may
	// be when a device is enabled or resynchronised: codes typed from a
	// phone take a while, and a device's clock drifts.
	enableWindow = 10
	resyncWindow = 40
	// maxMFAFailures wrong codes within mfaFailureWindow of the first lock
	// a device: it refuses every code, the right one too, until the window
	// ends. The console's sign-in allows as many password guesses; a code
	// space of a million then takes years to guess.
	maxMFAFailures   = 5
	mfaFailureWindow = 15 * time.Minute
)

// heldEvent keeps a request's pending audit event out of a write that is
// not the request's change: a wrong code's count is stored, and the store
// would otherwise write the event with it, as if the request had
// succeeded, before the transport records its refusal.
type heldEvent struct {
	pe   *keyward.PendingEvent
	held bool
}

func holdEvent(ctx context.Context) *heldEvent {
	pe, _ := keyward.EventFrom(ctx)
	return &heldEvent{pe: pe}
}

// hold marks the event written, inside the write that must not carry it.
func (h *heldEvent) hold() {
	if h.pe != nil && !h.held {
		h.held = h.pe.Claim()
	}
}

// release gives the event back once that write is done.
func (h *heldEvent) release() {
	if h.held {
		h.pe.Unclaim()
		h.held = false
	}
}

// tryCode decides a code given for device d at now under the limit of
// guesses: check tells whether the code is right (and records its use). A
// wrong code is counted, in d, which the caller stores whatever the
// outcome; a right one forgets earlier failures. While d is locked, no
// code is checked.
func tryCode(d *keyward.MFADevice, now time.Time, check func() bool) bool {
	if !now.Before(d.FailedSince.Add(mfaFailureWindow)) {
		d.Failures, d.FailedSince = 0, time.Time{}
	}
	if d.Failures >= maxMFAFailures {
		return false
	}
	if check() {
		d.Failures, d.FailedSince = 0, time.Time{}
		return true
	}
	if d.Failures == 0 {
		d.FailedSince = now
	}
	d.Failures++
	return false
}

// invalidCode is AWS's refusal of an authentication code.
func invalidCode(serial string) *keyward.Error {
	return keyward.Errorf(keyward.EInvalidAuthenticationCode, "Authentication code for device is not valid.")
}

// CreateVirtualMFADevice makes an unassigned virtual MFA device with a new
// seed (iam:CreateVirtualMFADevice on its serial number).
func (s *Service) CreateVirtualMFADevice(ctx context.Context, name, path string, tags []keyward.Tag) (keyward.NewVirtualMFADevice, error) {
	if err := CheckDuplicateTags(tags); err != nil {
		return keyward.NewVirtualMFADevice{}, err
	}
	serial := s.Account(ctx).MFADeviceARN(path, name)
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateVirtualMFADevice", serial, authz.RequestTagKeys(tags)); err != nil {
		return keyward.NewVirtualMFADevice{}, err
	}
	if err := authorizeCreateTags(ctx, s.Authz, "iam:TagMFADevice", serial, tags); err != nil {
		return keyward.NewVirtualMFADevice{}, err
	}
	seed := make([]byte, mfaSeedSize)
	if _, err := io.ReadFull(s.Rand, seed); err != nil {
		return keyward.NewVirtualMFADevice{}, err
	}
	sealed, err := s.Sealer.Seal(serial, string(seed))
	if err != nil {
		return keyward.NewVirtualMFADevice{}, err
	}
	d := keyward.MFADevice{SerialNumber: serial, Path: path, Name: name, CreatedAt: s.now(), Tags: tags, SealedSeed: sealed}
	switch err := s.changing(ctx).CreateMFADevice(ctx, d); {
	case errors.Is(err, keyward.ErrMFADeviceExists):
		return keyward.NewVirtualMFADevice{}, keyward.Errorf(keyward.EEntityAlreadyExists, "MFADevice entity at the same path and name already exists.")
	case err != nil:
		return keyward.NewVirtualMFADevice{}, err
	}
	d.SealedSeed = nil
	return keyward.NewVirtualMFADevice{MFADevice: d, Seed: seed, Account: s.AccountLabel(ctx)}, nil
}

// authorizeMFADevice authorises action on a virtual MFA device, with its
// tags as aws:ResourceTag keys besides the request's keys.
func (s *Service) authorizeMFADevice(ctx context.Context, action, serial string, keys authz.Keys) error {
	tags, err := authz.TaggedKeys(ctx, func() ([]keyward.Tag, error) { d, err := s.store(ctx).MFADevice(ctx, serial); return d.Tags, err }, keyward.ErrNoSuchMFADevice)
	if err != nil {
		return err
	}
	return s.Authz.AuthorizeWith(ctx, action, serial, tags.With(keys))
}

// EnableMFADevice assigns a virtual MFA device to a user, who proves to
// hold it with two consecutive codes.
func (s *Service) EnableMFADevice(ctx context.Context, userName, serial, code1, code2 string) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:EnableMFADevice", userName); err != nil {
		return err
	}
	return s.enableWithCodes(ctx, userName, serial, code1, code2, func(d *keyward.MFADevice) { d.User = keyward.User{Name: userName} })
}

// enableWithCodes assigns a free virtual MFA device with assign (to a
// user, or to the root user for userName ""), once the caller proves to
// hold it with two consecutive codes.
func (s *Service) enableWithCodes(ctx context.Context, userName, serial, code1, code2 string, assign func(*keyward.MFADevice)) error {
	now := s.now()
	return s.proveWithCodes(ctx, userName, serial, now, func(d *keyward.MFADevice) error {
		if d.Assigned() {
			return keyward.Errorf(keyward.EEntityAlreadyExists, "MFA Device is already in use.")
		}
		return nil
	}, func(d *keyward.MFADevice, seed []byte) (int64, bool) {
		return consecutive(seed, now, code1, code2, enableWindow)
	}, func(d *keyward.MFADevice, step int64) {
		assign(d)
		// Typing two codes takes time: the step found is no clock drift.
		d.EnabledAt, d.LastStep, d.Drift = now, step+1, 0
	})
}

// ResyncMFADevice learns a user's device's clock again from two
// consecutive codes.
func (s *Service) ResyncMFADevice(ctx context.Context, userName, serial, code1, code2 string) error {
	if err := s.Authz.AuthorizeUser(ctx, "iam:ResyncMFADevice", userName); err != nil {
		return err
	}
	now := s.now()
	return s.proveWithCodes(ctx, userName, serial, now, func(d *keyward.MFADevice) error {
		if !ownedBy(d, keyward.Principal{UserName: userName}) {
			return keyward.ErrNoSuchMFADevice
		}
		return nil
	}, func(d *keyward.MFADevice, seed []byte) (int64, bool) {
		step, ok := consecutive(seed, now, code1, code2, resyncWindow)
		return step, ok && step+1 > d.LastStep
	}, func(d *keyward.MFADevice, step int64) {
		d.LastStep, d.Drift = step+1, step+1-totpCounter(now)
	})
}

// proveWithCodes changes a device that the caller proves to hold with
// codes at now, the one write behind enabling and resynchronising: check says
// whether the device may be changed at all, find reads the codes against
// its seed and returns the step they stand at, and apply makes the change.
// Wrong codes count as a failure, which is stored while the request's
// event is held back from that write: the failure is not the change.
func (s *Service) proveWithCodes(ctx context.Context, userName, serial string, now time.Time, check func(*keyward.MFADevice) error,
	find func(d *keyward.MFADevice, seed []byte) (int64, bool), apply func(d *keyward.MFADevice, step int64)) error {
	var wrong error
	event := holdEvent(ctx)
	defer event.release()
	_, err := s.changing(ctx).UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
		if err := check(d); err != nil {
			return err
		}
		seed, err := s.openSeed(d)
		if err != nil {
			return err
		}
		var step int64
		if !tryCode(d, now, func() (ok bool) { step, ok = find(d, seed); return ok }) {
			wrong = invalidCode(serial)
			event.hold()
			return nil // the failure is stored, not as the change
		}
		apply(d, step)
		return nil
	})
	if err == nil {
		err = wrong
	}
	return s.mfaError(err, userName, serial)
}

// DeactivateMFADevice unassigns a device from its user (the caller when
// userName is empty, as AWS's SDKs now allow); the virtual device itself
// remains until deleted. The root user, naming no user, deactivates its
// own device, only from a session it began with a code of that device
// (DeactivateRootMFADevice).
func (s *Service) DeactivateMFADevice(ctx context.Context, userName, serial string) error {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return err
	}
	if userName == "" {
		return s.DeactivateRootMFADevice(ctx, serial)
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:DeactivateMFADevice", userName); err != nil {
		return err
	}
	_, err = s.changing(ctx).UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
		if !ownedBy(d, keyward.Principal{UserName: userName}) {
			return keyward.ErrNoSuchMFADevice
		}
		unassign(d)
		return nil
	})
	return s.mfaError(err, userName, serial)
}

// unassign makes a device unassigned, forgetting what it learnt of its
// owner's codes.
func unassign(d *keyward.MFADevice) {
	d.User, d.Root, d.EnabledAt, d.LastStep, d.Drift = keyward.User{}, false, time.Time{}, 0, 0
	d.Failures, d.FailedSince = 0, time.Time{}
}

// ownedBy reports whether a device is enabled for p: the root user's
// devices belong to the root user only, whatever a user is named (a user
// may be named "root"), and a user's to the user of that name.
func ownedBy(d *keyward.MFADevice, p keyward.Principal) bool {
	if p.Root {
		return d.Root
	}
	return d.User.ID != "" && p.UserName != "" && keyward.FoldName(d.User.Name) == keyward.FoldName(p.UserName)
}

// The root user's virtual MFA device. As on AWS, only the root user itself
// assigns or removes it (in the console: "Assign MFA device" and "Remove"
// on its security credentials page); no policy gives another principal
// that power, iam:* and AdministratorAccess included, since whoever could
// would hold the account's last factor. Every other operation on devices
// (CreateVirtualMFADevice, DeleteVirtualMFADevice once unassigned, tags,
// the lists) is the same for the root user's devices as for users'.

// rootOnly refuses action on the root user's MFA to any principal but the
// root user.
func (s *Service) rootOnly(ctx context.Context, action string) error {
	p, err := s.Authz.Principal(ctx)
	if err != nil {
		return err
	}
	if !p.Root {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because only the root user may manage its own MFA device",
			p.ARN(), action, s.Account(ctx).RootARN())
	}
	return nil
}

// EnableRootMFADevice assigns a virtual MFA device to the root user, the
// caller, who proves to hold it with two consecutive codes, as
// EnableMFADevice does for a user. Console sign-in as the root user then
// asks for a code of it.
func (s *Service) EnableRootMFADevice(ctx context.Context, serial, code1, code2 string) error {
	if err := s.rootOnly(ctx, "iam:EnableMFADevice"); err != nil {
		return err
	}
	return s.enableWithCodes(ctx, "", serial, code1, code2, func(d *keyward.MFADevice) { d.Root = true })
}

// DeactivateRootMFADevice unassigns a device from the root user, the
// caller; the virtual device itself remains until deleted. The caller must
// have signed in with a code of the device (a console session, or
// GetSessionToken's credentials): the root user's key is the console's
// password too, and the device would otherwise be removable by whoever
// has the key alone, which is what it guards against. A root user whose
// device is lost asks the operator (keyward reset-root-mfa).
func (s *Service) DeactivateRootMFADevice(ctx context.Context, serial string) error {
	if err := s.rootOnly(ctx, "iam:DeactivateMFADevice"); err != nil {
		return err
	}
	var mfaAt time.Time
	if rc, internal, ok := keyward.Caller(ctx); ok && !internal {
		mfaAt = rc.MFAAt()
	}
	_, err := s.changing(ctx).UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
		if !d.Root {
			return keyward.ErrNoSuchMFADevice
		}
		if mfaAt.IsZero() || mfaAt.Before(d.EnabledAt) {
			return errRootMFANeeded
		}
		unassign(d)
		return nil
	})
	if errors.Is(err, errRootMFANeeded) {
		return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: iam:DeactivateMFADevice on resource: %s because the root user must sign in with a code of the device to remove it",
			s.Account(ctx).RootARN(), keyward.Clip(serial))
	}
	return s.mfaError(err, "", serial)
}

// errRootMFANeeded refuses to remove the root user's device to a session
// that did not prove to hold it.
var errRootMFANeeded = errors.New("iam: the root user's device is removed only with a code of it")

// ResetRootMFA unassigns and deletes every MFA device of the root user,
// for an operator whose root user lost its device (keyward
// reset-root-mfa): the service's own work (keyward.Internal), which only
// the holder of the store and its master key can do, as AWS's recovery by
// email and telephone is AWS's. Each removal is an audit event by the
// operator. It returns the serial numbers removed.
func (s *Service) ResetRootMFA(ctx context.Context) ([]string, error) {
	if _, internal, _ := keyward.Caller(ctx); !internal {
		return nil, keyward.ErrNoCaller
	}
	ds, _, err := s.store(ctx).ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAssigned, Root: true}, "", keyward.MaxMFADevicesPerUser)
	if err != nil {
		return nil, err
	}
	acct, err := s.store(ctx).Account(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range ds {
		for _, name := range []string{"DeactivateMFADevice", "DeleteVirtualMFADevice"} {
			pe, err := s.operatorEvent(acct, name, map[string]any{"serialNumber": d.SerialNumber})
			if err != nil {
				return removed, err
			}
			view := s.store(ctx).Recording(pe)
			if name == "DeactivateMFADevice" {
				_, err = view.UpdateMFADevice(ctx, d.SerialNumber, func(d *keyward.MFADevice) error {
					if !d.Root {
						return keyward.ErrNoSuchMFADevice
					}
					unassign(d)
					return nil
				})
			} else {
				err = view.DeleteMFADevice(ctx, d.SerialNumber)
			}
			if err != nil {
				return removed, err
			}
		}
		removed = append(removed, d.SerialNumber)
	}
	return removed, nil
}

// operatorEvent is the audit event of a change the operator made with a
// maintenance command, as CloudTrail records a change by an AWS service.
func (s *Service) operatorEvent(acct keyward.Account, name string, params map[string]any) (*keyward.PendingEvent, error) {
	e := acct.NewEvent(keyward.EventSourceIAM, name, s.now())
	e.UserIdentity = keyward.EventIdentity{Type: "AWSService", InvokedBy: keyward.OperatorService, AccountID: acct.ID}
	e.EventType = "AwsServiceEvent"
	e.SourceIPAddress, e.UserAgent = keyward.OperatorService, keyward.OperatorService
	e.RequestParameters = params
	id, err := keyward.NewEventID(s.Rand)
	if err != nil {
		return nil, err
	}
	e.EventID, e.RequestID = id, id
	return &keyward.PendingEvent{Event: e}, nil
}

// RootMFADevices returns the MFA devices enabled for the root user, to the
// root user (iam:ListMFADevices of the caller).
func (s *Service) RootMFADevices(ctx context.Context) ([]keyward.MFADevice, error) {
	if err := s.rootOnly(ctx, "iam:ListMFADevices"); err != nil {
		return nil, err
	}
	ds, _, err := s.ListMFADevices(ctx, "", "", keyward.MaxMFADevicesPerUser)
	return ds, err
}

// DeleteVirtualMFADevice deletes an unassigned device.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, serial string) error {
	if err := s.authorizeMFADevice(ctx, "iam:DeleteVirtualMFADevice", serial, nil); err != nil {
		return err
	}
	switch err := s.changing(ctx).DeleteMFADevice(ctx, serial); {
	case errors.Is(err, keyward.ErrEntityInUse):
		return keyward.Errorf(keyward.EDeleteConflict, "MFA Device is in use.")
	default:
		return s.mfaError(err, "", serial)
	}
}

// ListMFADevices returns a page of the MFA devices enabled for a user (the
// caller when userName is empty).
func (s *Service) ListMFADevices(ctx context.Context, userName, marker string, max int) ([]keyward.MFADevice, string, error) {
	userName, err := s.subject(ctx, userName)
	if err != nil {
		return nil, "", err
	}
	if err := s.Authz.AuthorizeUser(ctx, "iam:ListMFADevices", userName); err != nil {
		return nil, "", err
	}
	// The root user, calling without a user name, lists its own devices.
	f := keyward.MFAFilter{Assignment: keyward.MFAAssigned, UserName: userName, Root: userName == ""}
	ds, next, err := pageBy(marker, func(after string) ([]keyward.MFADevice, bool, error) {
		return s.store(ctx).ListMFADevices(ctx, f, after, max)
	}, func(d keyward.MFADevice) string { return d.SerialNumber })
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return nil, "", keyward.UserNotFound(userName)
	}
	return ds, next, err
}

// ListVirtualMFADevices returns a page of the account's virtual MFA devices.
func (s *Service) ListVirtualMFADevices(ctx context.Context, assignment, marker string, max int) ([]keyward.MFADevice, string, error) {
	if err := s.Authz.Authorize(ctx, "iam:ListVirtualMFADevices", "*"); err != nil {
		return nil, "", err
	}
	return pageBy(marker, func(after string) ([]keyward.MFADevice, bool, error) {
		return s.store(ctx).ListMFADevices(ctx, keyward.MFAFilter{Assignment: assignment}, after, max)
	}, func(d keyward.MFADevice) string { return d.SerialNumber })
}

// CheckMFACode accepts a code from one of the user's MFA devices, once:
// the code's step is remembered, so that it cannot be used again. It
// reports whether the user has an MFA device at all. The check is the
// service's own work (console sign-in): it decides no access.
func (s *Service) CheckMFACode(ctx context.Context, userName, code string) (hasDevice bool, err error) {
	return s.checkCode(ctx, keyward.MFAFilter{Assignment: keyward.MFAAssigned, UserName: userName}, code)
}

// checkCode accepts a code of one of the devices f selects, once, and
// reports whether there is any.
func (s *Service) checkCode(ctx context.Context, f keyward.MFAFilter, code string) (hasDevice bool, err error) {
	if f.UserName == "" && !f.Root {
		// A filter of no owner selects every device: a code of anyone's.
		return false, errors.New("iam: a code checked against no owner's devices")
	}
	ds, _, err := s.store(ctx).ListMFADevices(ctx, f, "", keyward.MaxMFADevicesPerUser)
	if err != nil || len(ds) == 0 {
		if errors.Is(err, keyward.ErrNoSuchUser) {
			err = nil
		}
		return false, err
	}
	for _, d := range ds {
		err := s.useMFACode(ctx, d.SerialNumber, code)
		if err == nil {
			return true, nil
		}
		if keyward.ErrorCode(err) != keyward.EInvalidAuthenticationCode && !errors.Is(err, keyward.ErrNoSuchMFADevice) {
			return true, err
		}
	}
	return true, invalidCode("")
}

// useMFACode accepts a code of one device, once: its step is remembered.
// Wrong codes count against the device's limit of guesses, for every
// caller that takes a code (GetSessionToken, AssumeRole, the console).
func (s *Service) useMFACode(ctx context.Context, serial, code string) error {
	now := s.now()
	var wrong error
	// The code's use is never the request's change (GetSessionToken,
	// AssumeRole and sign-in change nothing): it goes through the store
	// itself, which writes no event.
	_, err := s.store(ctx).UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
		seed, err := s.openSeed(d)
		if err != nil {
			return err
		}
		at := totpCounter(now) + d.Drift
		if !tryCode(d, now, func() bool {
			for step := at - 1; step <= at+1; step++ {
				if step > d.LastStep && codeMatches(seed, step, code) {
					d.LastStep = step
					return true
				}
			}
			return false
		}) {
			wrong = invalidCode(d.SerialNumber)
		}
		return nil // a failure is stored too
	})
	if err != nil {
		return err
	}
	return wrong
}

// HasMFADevice reports whether a user has an MFA device enabled: sign-in
// then asks for a code.
func (s *Service) HasMFADevice(ctx context.Context, userName string) (bool, error) {
	ds, _, err := s.store(ctx).ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAssigned, UserName: userName}, "", 1)
	if errors.Is(err, keyward.ErrNoSuchUser) {
		return false, nil
	}
	return len(ds) > 0, err
}

// openSeed returns a device's TOTP seed.
func (s *Service) openSeed(d *keyward.MFADevice) ([]byte, error) {
	seed, err := s.Sealer.Open(d.SerialNumber, d.SealedSeed)
	return []byte(seed), err
}

// mfaError turns store errors about a device into AWS's.
func (s *Service) mfaError(err error, userName, serial string) error {
	switch {
	case errors.Is(err, keyward.ErrNoSuchMFADevice):
		return mfaDeviceNotFound(serial)
	case errors.Is(err, keyward.ErrNoSuchUser):
		return keyward.UserNotFound(userName)
	case errors.Is(err, keyward.ErrMFAQuota):
		return keyward.Errorf(keyward.ELimitExceeded, "Cannot exceed quota for MFADevicesPerUser: %d", keyward.MaxMFADevicesPerUser)
	}
	return err
}

// MFACodeOf checks a code of p's device with this serial number, used
// once: a user's device for a user, the root user's for the root user.
func (s *Service) MFACodeOf(ctx context.Context, p keyward.Principal, serial, code string) bool {
	d, err := s.store(ctx).MFADevice(ctx, serial)
	if err != nil || !ownedBy(&d, p) {
		return false
	}
	return s.useMFACode(ctx, d.SerialNumber, code) == nil
}

// mfaDeviceNotFound is AWS's NoSuchEntity for a serial number.
func mfaDeviceNotFound(serial string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchEntity, "VirtualMFADevice with serial number %s doesn't exist.", keyward.Clip(serial))
}

// The shapes of an MFA device's parameters but its codes' (the console
// reads codes too).
var (
	serialNumberShape         = keyward.NewStringShape("serialNumberType", 9, 256, `[\w+=/:,.@-]+`)
	virtualMFADeviceNameShape = keyward.NewStringShape("virtualMFADeviceName", 1, 0, `[\w+=,.@-]+`)
	assignmentStatusShape     = keyward.NewStringShape("assignmentStatusType", 0, 0, "", keyward.MFAAssigned, keyward.MFAUnassigned, keyward.MFAAny)
)
