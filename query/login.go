package query

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/keyward/keyward"
)

func init() { serveIAM(loginActions) }

// Login profiles, the account's password policy and the credential report.
var loginActions = map[string]action{
	"CreateLoginProfile": row(func(ctx context.Context, s *Services, in *input) (keyward.LoginProfile, error) {
		return s.IAM.CreateLoginProfile(ctx, in.str("UserName"), in.str("Password"), in.bool("PasswordResetRequired"))
	}, loginProfileElement),
	"GetLoginProfile": row(func(ctx context.Context, s *Services, in *input) (keyward.LoginProfile, error) {
		return s.IAM.LoginProfile(ctx, in.str("UserName"))
	}, loginProfileElement),
	"UpdateLoginProfile": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateLoginProfile(ctx, in.str("UserName"), in.optStr("Password"), in.optBool("PasswordResetRequired"))
	}),
	"DeleteLoginProfile": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteLoginProfile(ctx, in.str("UserName"))
	}),
	"ChangePassword": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.ChangePassword(ctx, in.str("OldPassword"), in.str("NewPassword"))
	}),
	"UpdateAccountPasswordPolicy": do(func(ctx context.Context, s *Services, in *input) error {
		// As in AWS, what is not given takes its default: the policy is
		// replaced whole.
		pp := keyward.PasswordPolicy{MinimumPasswordLength: 6}
		if in.has("MinimumPasswordLength") {
			pp.MinimumPasswordLength = in.int("MinimumPasswordLength")
		}
		pp.RequireSymbols = in.bool("RequireSymbols")
		pp.RequireNumbers = in.bool("RequireNumbers")
		pp.RequireUppercaseCharacters = in.bool("RequireUppercaseCharacters")
		pp.RequireLowercaseCharacters = in.bool("RequireLowercaseCharacters")
		pp.AllowUsersToChangePassword = in.bool("AllowUsersToChangePassword")
		pp.MaxPasswordAge = in.int("MaxPasswordAge")
		pp.PasswordReusePrevention = in.int("PasswordReusePrevention")
		pp.HardExpiry = in.bool("HardExpiry")
		return s.IAM.PutPasswordPolicy(ctx, pp)
	}),
	"GetAccountPasswordPolicy": row(func(ctx context.Context, s *Services, in *input) (keyward.PasswordPolicy, error) {
		return s.IAM.PasswordPolicy(ctx)
	},
		func(w *xmlWriter, _ keyward.Account, pp keyward.PasswordPolicy) {
			w.open("PasswordPolicy")
			w.elem("MinimumPasswordLength", strconv.Itoa(pp.MinimumPasswordLength))
			w.bool("RequireSymbols", pp.RequireSymbols)
			w.bool("RequireNumbers", pp.RequireNumbers)
			w.bool("RequireUppercaseCharacters", pp.RequireUppercaseCharacters)
			w.bool("RequireLowercaseCharacters", pp.RequireLowercaseCharacters)
			w.bool("AllowUsersToChangePassword", pp.AllowUsersToChangePassword)
			w.bool("ExpirePasswords", pp.MaxPasswordAge > 0)
			if pp.MaxPasswordAge > 0 {
				w.elem("MaxPasswordAge", strconv.Itoa(pp.MaxPasswordAge))
			}
			if pp.PasswordReusePrevention > 0 {
				w.elem("PasswordReusePrevention", strconv.Itoa(pp.PasswordReusePrevention))
			}
			w.bool("HardExpiry", pp.HardExpiry)
			w.close("PasswordPolicy")
		}),
	"DeleteAccountPasswordPolicy": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeletePasswordPolicy(ctx)
	}),
	"GenerateCredentialReport": row(func(ctx context.Context, s *Services, in *input) ([2]string, error) {
		state, description, err := s.Reports.GenerateCredentialReport(ctx)
		return [2]string{state, description}, err
	},
		func(w *xmlWriter, _ keyward.Account, r [2]string) {
			w.elem("State", r[0])
			if r[1] != "" {
				w.elem("Description", r[1])
			}
		}),
	"GetCredentialReport": row(func(ctx context.Context, s *Services, in *input) (keyward.CredentialReport, error) {
		return s.Reports.CredentialReport(ctx)
	},
		func(w *xmlWriter, _ keyward.Account, r keyward.CredentialReport) {
			w.open("Content")
			w.b = base64.StdEncoding.AppendEncode(w.b, r.Content)
			w.close("Content")
			w.elem("ReportFormat", "text/csv")
			w.time("GeneratedTime", r.GeneratedAt)
		}),
}

func loginProfileElement(w *xmlWriter, _ keyward.Account, p keyward.LoginProfile) {
	w.open("LoginProfile")
	w.elem("UserName", p.UserName)
	w.time("CreateDate", p.CreatedAt)
	w.bool("PasswordResetRequired", p.ResetRequired)
	w.close("LoginProfile")
}
