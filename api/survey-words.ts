// The farewell survey's words per locale (en is the fallback), next to the answer lists they label.
// The answer codes are what is stored and what the lead workflow reads (workflows/deferred/decide.ts).
import type { Locale } from '../domain/mail/templates';
import type { SurveyReason } from '../workflows/types';

export const SURVEY_TIMINGS = ['in_3_months', 'in_6_months', 'in_12_months', 'not_sure'] as const;
export const SURVEY_BUDGETS = ['none', 'small', 'medium', 'large'] as const;
export const SURVEY_BRING_BACK = ['lower_price', 'missing_feature', 'better_timing', 'more_proof', 'nothing'] as const;

/** Months until re-qualification a timing answer implies (none for "not sure": the reason decides). */
export const TIMING_MONTHS: Record<(typeof SURVEY_TIMINGS)[number], number | null> = { in_3_months: 3, in_6_months: 6, in_12_months: 12, not_sure: null };

export interface SurveyWords {
  title: string;
  intro: string;
  again: string;
  reason: { legend: string } & Record<SurveyReason, string>;
  timing: { legend: string } & Record<(typeof SURVEY_TIMINGS)[number], string>;
  budget: { legend: string } & Record<(typeof SURVEY_BUDGETS)[number], string>;
  bringBack: { legend: string } & Record<(typeof SURVEY_BRING_BACK)[number], string>;
  comment: string;
  submit: string;
  required: string;
  errorsTitle: string;
  invalid: string;
  thanksTitle: string;
  thanks: string;
  thanksNotRelevant: string;
  /** Shown when a lead has sent the form SURVEY_MAX_ANSWERS times already. */
  enough: string;
}

export const SURVEY_WORDS: Record<Locale, SurveyWords> = {
  en: {
    title: 'Why not now?',
    intro: 'Four short questions and one optional comment. Your answers decide when, and whether, we get in touch again.',
    again: 'You have answered before; sending the form again replaces your earlier answer.',
    reason: { legend: 'What was the main reason?', no_budget: 'No budget at the moment', bad_timing: 'Not now: ask me later', chose_competitor: 'We chose another provider', not_relevant: 'It is not relevant for us', no_authority: 'It is not my decision', other: 'Something else' },
    timing: { legend: 'When would it make sense to talk again?', in_3_months: 'In about 3 months', in_6_months: 'In about 6 months', in_12_months: 'In about a year', not_sure: 'Not sure' },
    budget: { legend: 'What budget could you set aside next year?', none: 'None planned', small: 'Under €5,000', medium: '€5,000 to €20,000', large: 'Over €20,000' },
    bringBack: { legend: 'What would bring you back? (any that apply)', lower_price: 'A lower price or a smaller plan', missing_feature: 'A feature we lack', better_timing: 'Better timing on our side', more_proof: 'Case studies from companies like ours', nothing: 'Nothing, really' },
    comment: 'Anything else you would like to tell us? (optional)',
    submit: 'Send my answers',
    required: 'required',
    errorsTitle: 'Please check your answers',
    invalid: 'Please choose an answer',
    thanksTitle: 'Thank you',
    thanks: 'Your answers are saved. We will be in touch only when it makes sense for you.',
    thanksNotRelevant: 'Your answers are saved. We will not send you marketing mail any more.',
    enough: 'We already have your answers, thank you. The form has been sent too many times; nothing more was saved.',
  },
  pl: {
    title: 'Dlaczego nie teraz?',
    intro: 'Cztery krótkie pytania i jeden opcjonalny komentarz. Twoje odpowiedzi zdecydują, kiedy i czy odezwiemy się ponownie.',
    again: 'Odpowiedź została już wysłana; ponowne wysłanie formularza zastąpi poprzednią.',
    reason: { legend: 'Jaki był główny powód?', no_budget: 'Brak budżetu w tej chwili', bad_timing: 'Nie teraz: zapytajcie później', chose_competitor: 'Wybraliśmy innego dostawcę', not_relevant: 'To nas nie dotyczy', no_authority: 'To nie moja decyzja', other: 'Inny powód' },
    timing: { legend: 'Kiedy warto byłoby porozmawiać ponownie?', in_3_months: 'Za około 3 miesiące', in_6_months: 'Za około 6 miesięcy', in_12_months: 'Za około rok', not_sure: 'Nie wiem' },
    budget: { legend: 'Jaki budżet moglibyście przeznaczyć w przyszłym roku?', none: 'Nie planujemy', small: 'Poniżej 5 000 €', medium: '5 000–20 000 €', large: 'Powyżej 20 000 €' },
    bringBack: { legend: 'Co mogłoby sprawić, że wrócicie? (dowolne)', lower_price: 'Niższa cena lub mniejszy plan', missing_feature: 'Brakująca funkcja', better_timing: 'Lepszy moment po naszej stronie', more_proof: 'Przykłady firm podobnych do naszej', nothing: 'Raczej nic' },
    comment: 'Czy chcesz nam jeszcze coś przekazać? (opcjonalnie)',
    submit: 'Wyślij odpowiedzi',
    required: 'wymagane',
    errorsTitle: 'Sprawdź odpowiedzi',
    invalid: 'Wybierz odpowiedź',
    thanksTitle: 'Dziękujemy',
    thanks: 'Twoje odpowiedzi zostały zapisane. Odezwiemy się tylko wtedy, gdy będzie to miało dla Ciebie sens.',
    thanksNotRelevant: 'Twoje odpowiedzi zostały zapisane. Nie będziemy już wysyłać Ci wiadomości marketingowych.',
    enough: 'Mamy już Twoje odpowiedzi, dziękujemy. Formularz wysłano zbyt wiele razy; nic więcej nie zapisano.',
  },
  ru: {
    title: 'Почему не сейчас?',
    intro: 'Четыре коротких вопроса и один необязательный комментарий. Ваши ответы определят, когда и стоит ли нам связаться снова.',
    again: 'Вы уже отвечали; повторная отправка формы заменит прежний ответ.',
    reason: { legend: 'Какова главная причина?', no_budget: 'Сейчас нет бюджета', bad_timing: 'Не сейчас: спросите позже', chose_competitor: 'Мы выбрали другого поставщика', not_relevant: 'Нам это не подходит', no_authority: 'Решение принимаю не я', other: 'Другое' },
    timing: { legend: 'Когда имеет смысл поговорить снова?', in_3_months: 'Примерно через 3 месяца', in_6_months: 'Примерно через 6 месяцев', in_12_months: 'Примерно через год', not_sure: 'Не знаю' },
    budget: { legend: 'Какой бюджет вы могли бы выделить в следующем году?', none: 'Не планируем', small: 'До 5 000 €', medium: '5 000–20 000 €', large: 'Более 20 000 €' },
    bringBack: { legend: 'Что могло бы вас вернуть? (любые варианты)', lower_price: 'Более низкая цена или меньший тариф', missing_feature: 'Недостающая функция', better_timing: 'Более удачное время с нашей стороны', more_proof: 'Примеры похожих компаний', nothing: 'Скорее ничего' },
    comment: 'Хотите что-нибудь добавить? (необязательно)',
    submit: 'Отправить ответы',
    required: 'обязательно',
    errorsTitle: 'Проверьте ответы',
    invalid: 'Выберите ответ',
    thanksTitle: 'Спасибо',
    thanks: 'Ваши ответы сохранены. Мы свяжемся с вами, только когда это будет уместно.',
    thanksNotRelevant: 'Ваши ответы сохранены. Мы больше не будем присылать вам рекламные письма.',
    enough: 'Ваши ответы у нас уже есть, спасибо. Форма отправлена слишком много раз; больше ничего не сохранено.',
  },
  el: {
    title: 'Γιατί όχι τώρα;',
    intro: 'Τέσσερις σύντομες ερωτήσεις και ένα προαιρετικό σχόλιο. Οι απαντήσεις σας καθορίζουν πότε, και αν, θα επικοινωνήσουμε ξανά.',
    again: 'Έχετε ήδη απαντήσει· αν στείλετε ξανά τη φόρμα, αντικαθιστά την προηγούμενη απάντηση.',
    reason: { legend: 'Ποιος ήταν ο κύριος λόγος;', no_budget: 'Δεν υπάρχει προϋπολογισμός αυτή τη στιγμή', bad_timing: 'Όχι τώρα: ρωτήστε με αργότερα', chose_competitor: 'Επιλέξαμε άλλον πάροχο', not_relevant: 'Δεν μας αφορά', no_authority: 'Δεν είναι δική μου απόφαση', other: 'Κάτι άλλο' },
    timing: { legend: 'Πότε θα είχε νόημα να μιλήσουμε ξανά;', in_3_months: 'Σε περίπου 3 μήνες', in_6_months: 'Σε περίπου 6 μήνες', in_12_months: 'Σε περίπου έναν χρόνο', not_sure: 'Δεν είμαι σίγουρος/η' },
    budget: { legend: 'Τι προϋπολογισμό θα μπορούσατε να διαθέσετε τον επόμενο χρόνο;', none: 'Κανέναν', small: 'Κάτω από 5.000 €', medium: '5.000–20.000 €', large: 'Πάνω από 20.000 €' },
    bringBack: { legend: 'Τι θα σας έφερνε πίσω; (όσα ισχύουν)', lower_price: 'Χαμηλότερη τιμή ή μικρότερο πακέτο', missing_feature: 'Μια λειτουργία που λείπει', better_timing: 'Καλύτερη χρονική στιγμή για εμάς', more_proof: 'Παραδείγματα από παρόμοιες εταιρείες', nothing: 'Μάλλον τίποτα' },
    comment: 'Θέλετε να μας πείτε κάτι ακόμα; (προαιρετικό)',
    submit: 'Αποστολή απαντήσεων',
    required: 'υποχρεωτικό',
    errorsTitle: 'Ελέγξτε τις απαντήσεις σας',
    invalid: 'Επιλέξτε μια απάντηση',
    thanksTitle: 'Ευχαριστούμε',
    thanks: 'Οι απαντήσεις σας αποθηκεύτηκαν. Θα επικοινωνήσουμε μόνο όταν έχει νόημα για εσάς.',
    thanksNotRelevant: 'Οι απαντήσεις σας αποθηκεύτηκαν. Δεν θα σας στέλνουμε πλέον διαφημιστικά μηνύματα.',
    enough: 'Έχουμε ήδη τις απαντήσεις σας, ευχαριστούμε. Η φόρμα στάλθηκε πάρα πολλές φορές· δεν αποθηκεύτηκε τίποτα άλλο.',
  },
};
