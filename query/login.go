package query

import (
	"encoding/base64"
	"strconv"

	"github.com/keyward/keyward"
)

func init() {
	addIAM(map[string]handler{
		"CreateLoginProfile":          {fn: (*Server).createLoginProfile},
		"GetLoginProfile":             {fn: (*Server).getLoginProfile},
		"UpdateLoginProfile":          {fn: (*Server).updateLoginProfile, noResult: true},
		"DeleteLoginProfile":          {fn: (*Server).deleteLoginProfile, noResult: true},
		"ChangePassword":              {fn: (*Server).changePassword, noResult: true},
		"UpdateAccountPasswordPolicy": {fn: (*Server).updateAccountPasswordPolicy, noResult: true},
		"GetAccountPasswordPolicy":    {fn: (*Server).getAccountPasswordPolicy},
		"DeleteAccountPasswordPolicy": {fn: (*Server).deleteAccountPasswordPolicy, noResult: true},
		"GenerateCredentialReport":    {fn: (*Server).generateCredentialReport},
		"GetCredentialReport":         {fn: (*Server).getCredentialReport},
	})
}

func (w *xmlWriter) loginProfile(p keyward.LoginProfile) {
	w.open("LoginProfile")
	w.elem("UserName", p.UserName)
	w.time("CreateDate", p.CreatedAt)
	w.bool("PasswordResetRequired", p.ResetRequired)
	w.close("LoginProfile")
}

func (s *Server) createLoginProfile(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.UserNameShape)
	password := p.required("Password", keyward.PasswordShape)
	reset := p.boolean("PasswordResetRequired")
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:CreateLoginProfile", user); err != nil {
		return err
	}
	lp, err := s.Service.CreateLoginProfile(c.ctx, user, password, reset)
	if err != nil {
		return err
	}
	c.w.loginProfile(lp)
	return nil
}

func (s *Server) getLoginProfile(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.UserNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:GetLoginProfile", user); err != nil {
		return err
	}
	lp, err := s.Service.LoginProfile(c.ctx, user)
	if err != nil {
		return err
	}
	c.w.loginProfile(lp)
	return nil
}

func (s *Server) updateLoginProfile(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.UserNameShape)
	var password *string
	if v, ok := p.str("Password", keyward.PasswordShape); ok {
		password = &v
	}
	var reset *bool
	if _, ok := c.params["PasswordResetRequired"]; ok {
		v := p.boolean("PasswordResetRequired")
		reset = &v
	}
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:UpdateLoginProfile", user); err != nil {
		return err
	}
	return s.Service.UpdateLoginProfile(c.ctx, user, password, reset)
}

func (s *Server) deleteLoginProfile(c *call) error {
	p := params{values: c.params}
	user := p.required("UserName", keyward.UserNameShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := s.authorizeOn(c, "iam:DeleteLoginProfile", user); err != nil {
		return err
	}
	return s.Service.DeleteLoginProfile(c.ctx, user)
}

// changePassword lets IAM users change their own password: allowed by an
// identity policy granting iam:ChangePassword, or for everyone when the
// password policy says AllowUsersToChangePassword, as in AWS.
func (s *Server) changePassword(c *call) error {
	p := params{values: c.params}
	oldPassword := p.required("OldPassword", keyward.PasswordShape)
	newPassword := p.required("NewPassword", keyward.PasswordShape)
	if err := p.err(); err != nil {
		return err
	}
	if !c.p.Root {
		pp, err := s.Service.PasswordPolicy(c.ctx)
		if err != nil && keyward.ErrorCode(err) != keyward.ENoSuchEntity {
			return err
		}
		if err != nil || !pp.AllowUsersToChangePassword {
			if err := c.authorize("iam:ChangePassword", c.p.ARN()); err != nil {
				return err
			}
		}
	}
	return s.Service.ChangePassword(c.ctx, c.p, oldPassword, newPassword)
}

func (s *Server) updateAccountPasswordPolicy(c *call) error {
	p := params{values: c.params}
	// As in AWS, what is not given takes its default: the policy is
	// replaced whole.
	pp := keyward.PasswordPolicy{MinimumPasswordLength: 6}
	if n, ok := p.integer("MinimumPasswordLength", 6, 128); ok {
		pp.MinimumPasswordLength = n
	}
	pp.RequireSymbols = p.boolean("RequireSymbols")
	pp.RequireNumbers = p.boolean("RequireNumbers")
	pp.RequireUppercaseCharacters = p.boolean("RequireUppercaseCharacters")
	pp.RequireLowercaseCharacters = p.boolean("RequireLowercaseCharacters")
	pp.AllowUsersToChangePassword = p.boolean("AllowUsersToChangePassword")
	pp.MaxPasswordAge, _ = p.integer("MaxPasswordAge", 1, 1095)
	pp.PasswordReusePrevention, _ = p.integer("PasswordReusePrevention", 1, 24)
	pp.HardExpiry = p.boolean("HardExpiry")
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("iam:UpdateAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	return s.Service.PutPasswordPolicy(c.ctx, pp)
}

func (s *Server) getAccountPasswordPolicy(c *call) error {
	if err := c.authorize("iam:GetAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	pp, err := s.Service.PasswordPolicy(c.ctx)
	if err != nil {
		return err
	}
	c.w.open("PasswordPolicy")
	c.w.elem("MinimumPasswordLength", strconv.Itoa(pp.MinimumPasswordLength))
	c.w.bool("RequireSymbols", pp.RequireSymbols)
	c.w.bool("RequireNumbers", pp.RequireNumbers)
	c.w.bool("RequireUppercaseCharacters", pp.RequireUppercaseCharacters)
	c.w.bool("RequireLowercaseCharacters", pp.RequireLowercaseCharacters)
	c.w.bool("AllowUsersToChangePassword", pp.AllowUsersToChangePassword)
	c.w.bool("ExpirePasswords", pp.MaxPasswordAge > 0)
	if pp.MaxPasswordAge > 0 {
		c.w.elem("MaxPasswordAge", strconv.Itoa(pp.MaxPasswordAge))
	}
	if pp.PasswordReusePrevention > 0 {
		c.w.elem("PasswordReusePrevention", strconv.Itoa(pp.PasswordReusePrevention))
	}
	c.w.bool("HardExpiry", pp.HardExpiry)
	c.w.close("PasswordPolicy")
	return nil
}

func (s *Server) deleteAccountPasswordPolicy(c *call) error {
	if err := c.authorize("iam:DeleteAccountPasswordPolicy", "*"); err != nil {
		return err
	}
	return s.Service.DeletePasswordPolicy(c.ctx)
}

func (s *Server) generateCredentialReport(c *call) error {
	if err := c.authorize("iam:GenerateCredentialReport", "*"); err != nil {
		return err
	}
	state, description, err := s.Service.GenerateCredentialReport(c.ctx, c.requester())
	if err != nil {
		return err
	}
	c.w.elem("State", state)
	if description != "" {
		c.w.elem("Description", description)
	}
	return nil
}

func (s *Server) getCredentialReport(c *call) error {
	if err := c.authorize("iam:GetCredentialReport", "*"); err != nil {
		return err
	}
	r, err := s.Service.CredentialReport(c.ctx, c.requester())
	if err != nil {
		return err
	}
	c.w.open("Content")
	c.w.b = base64.StdEncoding.AppendEncode(c.w.b, r.Content)
	c.w.close("Content")
	c.w.elem("ReportFormat", "text/csv")
	c.w.time("GeneratedTime", r.GeneratedAt)
	return nil
}
