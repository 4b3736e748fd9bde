package sts

// MetadataParses is how many SAML metadata documents s has parsed.
func MetadataParses(s *Service) int {
	s.samlMetadata.mu.Lock()
	defer s.samlMetadata.mu.Unlock()
	return s.samlMetadata.parses
}
