package organizations

// The error codes of AWS Organizations (its JSON protocol's __type): the
// service's own, which this package and its transport (awsjson) alone send.
const (
	EAccessDenied          = "AccessDeniedException"
	ENotInUse              = "AWSOrganizationsNotInUseException"
	EAlreadyIn             = "AlreadyInOrganizationException"
	ENotEmpty              = "OrganizationNotEmptyException"
	EAccountNotFound       = "AccountNotFoundException"
	EParentNotFound        = "ParentNotFoundException"
	EChildNotFound         = "ChildNotFoundException"
	EOUNotFound            = "OrganizationalUnitNotFoundException"
	EDuplicateOU           = "DuplicateOrganizationalUnitException"
	EOUNotEmpty            = "OrganizationalUnitNotEmptyException"
	ERootNotFound          = "RootNotFoundException"
	EPolicyTypeEnabled     = "PolicyTypeAlreadyEnabledException"
	EPolicyTypeNotEnabled  = "PolicyTypeNotEnabledException"
	EPolicyTypeUnavailable = "PolicyTypeNotAvailableForOrganizationException"
	EPolicyNotFound        = "PolicyNotFoundException"
	EDuplicatePolicy       = "DuplicatePolicyException"
	EPolicyInUse           = "PolicyInUseException"
	EDuplicateAttachment   = "DuplicatePolicyAttachmentException"
	EPolicyNotAttached     = "PolicyNotAttachedException"
	ETargetNotFound        = "TargetNotFoundException"
	EMalformedPolicy       = "MalformedPolicyDocumentException"
	EInvalidInput          = "InvalidInputException"
	EConstraintViolation   = "ConstraintViolationException"
	EService               = "ServiceException"
	ETooManyRequests       = "TooManyRequestsException"
	ESourceParentNotFound  = "SourceParentNotFoundException"
	EDestParentNotFound    = "DestinationParentNotFoundException"
	EDuplicateAccount      = "DuplicateAccountException"
)
