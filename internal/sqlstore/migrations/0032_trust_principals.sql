-- The IAM users and roles a role's trust policy names as principals,
-- bound to the unique IDs of those that had their ARNs when the policy
-- was saved: a JSON object of ARN to ID. A user or role deleted and made
-- again under its name is another principal, which the trust policy no
-- longer names, as on AWS, which stores the unique ID.
--
-- A role stored before is bound to the users and roles that have the
-- ARNs its trust policy names now, in whichever account of the
-- installation: each string of the document that is the ARN of one
-- (SQLite reads the document's strings, PostgreSQL finds them by their
-- form in its text, with JSON's escaped slash, which PHP's encoder writes,
-- read as a slash; a string elsewhere than in a principal is bound too,
-- which names nothing more; on PostgreSQL a string written with other
-- escapes is bound to none, and so names nobody in an Allow and, by its
-- ARN, whoever has it in a Deny). An ARN no user or role has now is bound to
-- none and names nobody, as one deleted after the policy was saved.
ALTER TABLE roles ADD COLUMN trust_principals text NOT NULL DEFAULT '{}';
{{- if sqlite}}
UPDATE roles AS o SET trust_principals = (
	SELECT coalesce(json_group_object(b.arn, b.id), '{}') FROM (
		SELECT n.arn, u.id FROM (SELECT DISTINCT t.value AS arn FROM json_tree(o.trust_policy) t WHERE t.type = 'text' AND t.value LIKE 'arn:aws:iam::%') n
		JOIN users u ON u.account_id = substr(n.arn, 14, 12) AND u.name = substr(n.arn, length(rtrim(n.arn, replace(n.arn, '/', ''))) + 1)
			AND 'arn:aws:iam::' || u.account_id || ':user' || u.path || u.name = n.arn
		UNION ALL
		SELECT n.arn, r.id FROM (SELECT DISTINCT t.value AS arn FROM json_tree(o.trust_policy) t WHERE t.type = 'text' AND t.value LIKE 'arn:aws:iam::%') n
		JOIN roles r ON r.account_id = substr(n.arn, 14, 12) AND r.name = substr(n.arn, length(rtrim(n.arn, replace(n.arn, '/', ''))) + 1)
			AND 'arn:aws:iam::' || r.account_id || ':role' || r.path || r.name = n.arn
	) b)
WHERE json_valid(o.trust_policy) AND o.trust_policy LIKE '%arn:aws:iam::%';
{{- else}}
UPDATE roles AS o SET trust_principals = (
	SELECT coalesce(jsonb_object_agg(b.arn, b.id)::text, '{}') FROM (
		SELECT n.arn, u.id FROM (SELECT DISTINCT m[1] AS arn FROM regexp_matches(replace(o.trust_policy, '\/', '/'), '"(arn:aws:iam::[0-9]{12}:(?:user|role)/[^"\\]+)"', 'g') AS m) n
		JOIN users u ON u.account_id = substr(n.arn, 14, 12) AND u.name = substr(n.arn, length(rtrim(n.arn, replace(n.arn, '/', ''))) + 1)
			AND 'arn:aws:iam::' || u.account_id || ':user' || u.path || u.name = n.arn
		UNION ALL
		SELECT n.arn, r.id FROM (SELECT DISTINCT m[1] AS arn FROM regexp_matches(replace(o.trust_policy, '\/', '/'), '"(arn:aws:iam::[0-9]{12}:(?:user|role)/[^"\\]+)"', 'g') AS m) n
		JOIN roles r ON r.account_id = substr(n.arn, 14, 12) AND r.name = substr(n.arn, length(rtrim(n.arn, replace(n.arn, '/', ''))) + 1)
			AND 'arn:aws:iam::' || r.account_id || ':role' || r.path || r.name = n.arn
	) b)
WHERE o.trust_policy LIKE '%arn:aws:iam::%';
{{- end}}
