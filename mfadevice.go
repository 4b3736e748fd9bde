package keyward

import (
	"context"
	"encoding/base32"
	"errors"
	"time"
)

// Virtual MFA devices: TOTP (RFC 6238) with AWS's parameters, HMAC-SHA1,
// six digits, a 30-second step. The seed is sealed under the master key
// like a secret access key, bound to the device's serial number, and shown
// once, when the device is created.

// MaxMFADevicesPerUser is AWS's quota of MFA devices assigned to one user.
const MaxMFADevicesPerUser = 8

// MFA assignment filters of ListVirtualMFADevices.
const (
	MFAAssigned   = "Assigned"
	MFAUnassigned = "Unassigned"
	MFAAny        = "Any"
)

// MFADevice is a virtual MFA device of the account.
type MFADevice struct {
	// SerialNumber is the device's ARN: arn:aws:iam::<account>:mfa<path><name>.
	SerialNumber string
	Path, Name   string
	// User is the user the device is enabled for; its ID is empty while the
	// device is unassigned or is the root user's. Stores fill in the user's
	// current name and path.
	User User
	// Root marks a device enabled for the account's root user, which is no
	// user of the account: User is then empty.
	Root      bool
	CreatedAt time.Time
	EnabledAt time.Time
	Tags      []Tag
	// SealedSeed is the TOTP seed sealed under the master key, bound to the
	// serial number.
	SealedSeed []byte
	// LastStep is the time step of the last code accepted: a code of that
	// step or an earlier one is refused, so that a code is not used twice.
	LastStep int64
	// Drift is the device's clock offset in steps, learnt when it is enabled
	// or resynchronised.
	Drift int64
	// Failures is how many wrong codes were given for the device since
	// FailedSince (zero with none): guesses are limited per device.
	Failures    int
	FailedSince time.Time
}

// Assigned reports whether the device is enabled for a user or for the
// root user.
func (d MFADevice) Assigned() bool { return d.User.ID != "" || d.Root }

// MFAFilter selects MFA devices: by assignment (MFAAssigned, MFAUnassigned
// or MFAAny) and, when UserName is set, those enabled for that user, or
// when Root is set, those enabled for the root user.
type MFAFilter struct {
	Assignment string
	UserName   string
	Root       bool
}

// Store errors of MFA devices.
var (
	ErrNoSuchMFADevice = errors.New("keyward: no such MFA device")
	ErrMFADeviceExists = errors.New("keyward: MFA device already exists")
	ErrMFAQuota        = errors.New("keyward: MFA devices per user quota exceeded")
)

// MFAStore persists virtual MFA devices.
type MFAStore interface {
	// CreateMFADevice stores an unassigned device; ErrMFADeviceExists when
	// the account has one of that name (case-insensitively).
	CreateMFADevice(ctx context.Context, d MFADevice) error
	// MFADevice returns a device by serial number; ErrNoSuchMFADevice.
	MFADevice(ctx context.Context, serial string) (MFADevice, error)
	// ListMFADevices pages the devices f selects in order of serial number,
	// after the serial number marker; ErrNoSuchUser when f names a user
	// that does not exist.
	ListMFADevices(ctx context.Context, f MFAFilter, after string, max int) ([]MFADevice, bool, error)
	// UpdateMFADevice replaces a device with what fn makes of it,
	// atomically. fn assigns the device by setting User.Name (the store
	// resolves it, ErrNoSuchUser, and holds the user to
	// MaxMFADevicesPerUser, ErrMFAQuota) or Root (the root user, held to
	// the same quota), and unassigns it by clearing User and Root; it may
	// change EnabledAt, LastStep, Drift, Tags, Failures and FailedSince.
	// ErrNoSuchMFADevice, or fn's error (nothing changes then).
	UpdateMFADevice(ctx context.Context, serial string, fn func(*MFADevice) error) (MFADevice, error)
	// DeleteMFADevice deletes an unassigned device; ErrNoSuchMFADevice, or
	// ErrEntityInUse while it is assigned.
	DeleteMFADevice(ctx context.Context, serial string) error
}

// NewVirtualMFADevice is a device just made, with its seed shown this once.
type NewVirtualMFADevice struct {
	MFADevice
	// Seed is the TOTP seed; Base32Seed and otpqr.URI present it.
	Seed []byte
	// Account names the account in authenticator apps: its alias, or its
	// ID.
	Account string
}

// Base32Seed is the seed as authenticator apps take it typed: AWS's
// Base32StringSeed.
func (d NewVirtualMFADevice) Base32Seed() string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(d.Seed)
}

// MFADeviceARN returns the serial number of a virtual MFA device.
func (a Account) MFADeviceARN(path, name string) string {
	return a.iamARN("mfa", path, name)
}

// TaggedMFADevice is the tag kind of virtual MFA devices, each named by
// its serial number in their tagging operations.
const TaggedMFADevice TagKind = "MFADevice"

// The shapes of an MFA device's parameters.
var (
	AuthenticationCodeShape = NewStringShape("authenticationCodeType", 6, 6, `[\d]+`)
)
