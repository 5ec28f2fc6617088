// Strings of the verdicts table on one item's page (review 质检 and a lot's acceptance 验收).
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    ir_stage: 'Stage', ir_stage_review: 'Review', ir_stage_acceptance: 'Acceptance',
    ir_round: 'Round', ir_decision: 'Verdict', ir_decision_accept: 'Accepted', ir_decision_fix: 'Fixed',
    ir_decision_reject: 'Rejected', ir_reasons: 'Reasons', ir_comment: 'Comment', ir_reviewer: 'By',
    ir_when: 'When', ir_fixed_to: 'fixed to {answer}', ir_reviewer_n: 'Reviewer {id}',
  },
  zh: {
    ir_stage: '环节', ir_stage_review: '质检', ir_stage_acceptance: '验收',
    ir_round: '返工轮次', ir_decision: '判定', ir_decision_accept: '通过', ir_decision_fix: '修正',
    ir_decision_reject: '驳回', ir_reasons: '原因', ir_comment: '备注', ir_reviewer: '判定人',
    ir_when: '时间', ir_fixed_to: '修正为 {answer}', ir_reviewer_n: '质检员 {id}',
  },
});
