"""Where each public name of `dealflow` lives: the package that lists it.

`dealflow` imports a package when one of its names is first used, so that `import
dealflow` (and `dealflow --help`) stay fast; this is the map it uses.
"""

from __future__ import annotations

__all__ = ["PUBLIC", "WHERE"]

#: The public names of each package, by package.
PUBLIC: dict[str, tuple[str, ...]] = {
    # the error tree (`dealflow.errors` draws it)
    "dealflow.errors": (
        "ConflictError", "DealExists", "DealFileError", "DealNotFound", "DealflowError",
        "DefinitionError", "DocumentProblems", "HelperCycle", "ImportProblems", "LimitExceeded",
        "MappingError", "MoveRefused", "PlaybookChoiceError", "PlaybookError", "Problem",
        "RuleDataError", "RuleEvalError", "RuleSyntaxError", "RuntimeDealError", "StoreError",
        "UnsupportedSyntax", "NotifyError", "TeamFileError",
    ),
    # limits on what dealflow reads and evaluates
    "dealflow.limits": (
        "DEFAULT_LIMITS", "Limits", "current_limits", "using_limits",
    ),
    # the rule language
    "dealflow.rules": (
        "RULE_NAMES", "Rule", "compile_rule",
    ),
    # the playbook: model, loading, schema
    "dealflow.playbook": (
        "ApprovalRule", "BuyerPhase", "Fact", "Gate", "Item", "LintSettings", "LocalizedText",
        "LostReason", "Play", "Playbook", "RedFlagPolicy", "Role", "Stage", "bundled_playbooks",
        "AdvanceMove", "BackMove", "CloseMove", "MoveRule", "Moves", "OutcomeMove",
        "ReopenMove", "SkipMove", "SubReason",
        "dump_playbook", "load_playbook", "parse_playbook", "playbook_schema",
        "playbook_schema_text",
        "ActivityPolicy", "AutomationRule", "DaysCase", "Expectation", "FollowUp",
        "Approval", "Effect", "MoveRoles",
        "ReviewForm", "ReviewForms", "ReviewQuestion",
        "ChainPolicy", "Criterion", "HealthPolicy", "Level", "ScoreCriterion", "Scorecard",
        # issue 19: commitments
        "CloseStep",
    ),
    # deals and the people in the decision chain
    "dealflow.deal": (
        "INFLUENCE_WEIGHT", "STANCE_VALUE", "Deal", "Hold", "Influence", "ItemCompletion",
        "NextStep", "Stakeholder", "Stance", "Status", "coerce_fact", "load_deal_file",
        "OpenedItem", "ApprovalRecord", "Team", "TeamMember", "load_team",
        "Evidence", "Provenance", "Review", "Source", "Verification", "Waiver",
        "Competitor", "Link", "Organisation", "Score", "Win",
        # issue 19: commitments
        "PlanAgreement", "PlanStep", "PlayRecord", "PlayResult", "PlayState", "StepStatus",
    ),
    # the form of every value a deal holds
    "dealflow.values": (
        "Actor", "Amount", "Currency", "Day", "FactValue", "Id", "Moment", "Name", "Note", "Ref",
    ),
    # the engine, the rule context, gate reports and events
    "dealflow.engine": (
        "Check", "DealCreated", "DealEdited", "DealHeld", "DealLost", "DealMigrated",
        "DealReopened", "DealResumed", "DealWon", "EditChanges", "Engine", "Event", "EventBase",
        "FactSet", "DealClosed", "MoveArgs",
        "GateReport", "ItemCompleted", "NextStepSet", "Outcome", "RuleContext", "StageAdvanced",
        "ApprovalGiven", "EffectApplied",
        "StageMovedBack", "StakeholderAdded", "StakeholderRemoved", "StakeholderUpdated",
        "apply_event", "event_adapter", "mermaid", "replay",
        "SWEEP_ACTOR", "ActivityLogged", "ItemOpened", "expected_days", "last_activity",
        "log_activity",
        "FactVerified", "GateWaived", "ReviewGiven",
        "CompetitorRemoved", "CompetitorSet", "CriterionScored", "OrganisationRemoved",
        "OrganisationSet", "StakeholderLinked", "StakeholderUnlinked",
        # issue 19: commitments
        "CloseDateSet", "PlanAgreed", "PlanStepAdded", "PlanStepUpdated", "PlayCompleted",
        "PlayDeclined", "PlayTaken", "add_plan_step", "agree_plan", "complete_play", "decline_play",
        "firing_plays", "seed_close_plan", "set_close_date", "take_play", "update_plan_step",
    ),
    # the stakeholder map and plays
    "dealflow.stakeholders": (
        "Recommendation", "RedFlag", "RoleCoverage", "StakeholderMap", "analyse_stakeholders",
        "recommend_plays",
        "ChainGraph", "chain_graph", "chain_mermaid", "chain_svg",
    ),
    # SOP checklists and compliance
    "dealflow.sop": (
        "CHECKLIST_SCHEMA", "Checklist", "ChecklistItem", "Compliance", "Counts", "ItemRecord",
        "audit_deal", "build_checklist", "checklist_to_dict", "compliance", "render_checklist",
        "WaiverCounts",
    ),
    # changing a playbook and moving live deals
    "dealflow.evolution": (
        "Change", "DealPlan", "PlaybookDiff", "UpgradePlan", "diff_playbooks", "plan_upgrade",
        "upgrade",
    ),
    # the store
    "dealflow.store": (
        "DEFAULT_URL", "SCHEMA_VERSION", "HeldPlaybook", "ImportResult", "Store", "database_url",
        "export_csv", "export_jsonl", "import_events", "import_jsonl", "neutralise", "sqlite_file",
        "SweepAction", "SweepFailure", "SweepReport",
    ),
    # importing history from a CRM
    "dealflow.crm": (
        "CrmMapping", "CsvImport", "bundled_mappings", "check_csv", "import_csv", "load_mapping",
        "parse_mapping",
    ),
    # the figures
    "dealflow.analytics": (
        "Closed", "ClosedDeals", "CycleTime", "Filters", "Forecast", "Funnel", "Rate",
        "SimulationProfile", "StageForecast", "StageFunnel", "StageTime", "StalledDeal", "Velocity",
        "WinRates", "closed_deals", "cycle_time", "forecast", "funnel", "render_report", "simulate",
        "sop_compliance", "stalled", "time_in_stage", "velocity", "win_rates",
        "ReviewCounts", "review_counts",
        "CompetitorFigures", "DealHealth", "HealthFactor", "competition", "deal_health",
        "health_ranking",
        # issue 19: commitments
        "DealContribution", "DealSlip", "PeriodForecast", "PeriodRow", "PlayFigures", "PlaysReport",
        "Slip", "forecast_by_period", "plays_report", "slip",
        # issue 21: the buyer's side
        "FunnelByPhase", "PhaseFunnel", "funnel_by_phase",
    ),
}

#: The package of each public name.
WHERE = {name: package for package, names in PUBLIC.items() for name in names}
