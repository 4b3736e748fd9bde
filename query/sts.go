package query

import "github.com/keyward/keyward"

var stsAPI = newAPI("sts", STSVersion, STSNamespace, map[string]handler{
	"GetCallerIdentity": {fn: (*Server).getCallerIdentity},
	"GetAccessKeyInfo":  {fn: (*Server).getAccessKeyInfo},
})

// getCallerIdentity needs no permission, as in AWS: a caller can always
// learn who it is.
func (s *Server) getCallerIdentity(c *call) error {
	c.w.elem("UserId", c.p.ID())
	c.w.elem("Account", c.p.AccountID)
	c.w.elem("Arn", c.p.ARN())
	return nil
}

func (s *Server) getAccessKeyInfo(c *call) error {
	p := params{values: c.params}
	id := p.required("AccessKeyId", keyward.STSAccessKeyIDShape)
	if err := p.err(); err != nil {
		return err
	}
	if err := c.authorize("sts:GetAccessKeyInfo", "*"); err != nil {
		return err
	}
	// AWS decodes the account from any key ID; Keyward knows only its own
	// keys, and says so for others, as AWS may for a deleted key.
	if _, err := s.Service.AccessKeyLastUsed(c.ctx, id); err != nil {
		return err
	}
	c.w.elem("Account", c.account.ID)
	return nil
}
