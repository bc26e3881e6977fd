-- "Unlimited" is one explicit value (issue 9): a JSON null limit, shown as unlimited and never enforced.
-- Seed 000 wrote it as large numbers (999 modules or members, 999999 API calls), which the app showed as
-- unlimited but enforced as 999. Plans seeded before this migration get the explicit value.
UPDATE plans
   SET limits = (
     SELECT jsonb_object_agg(
              e.key,
              CASE
                WHEN jsonb_typeof(e.value) = 'number' AND (
                  (e.key IN ('modules', 'members') AND (e.value)::numeric >= 999)
                  OR (e.key = 'api_calls_per_month' AND (e.value)::numeric >= 999999)
                  OR (e.key = 'storage_gb' AND (e.value)::numeric >= 99999))
                THEN 'null'::jsonb
                ELSE e.value
              END)
       FROM jsonb_each(plans.limits) AS e)
 WHERE jsonb_typeof(limits) = 'object' AND limits <> '{}'::jsonb;
