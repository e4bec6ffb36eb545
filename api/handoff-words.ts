// The words of the hand-off pages (api/handoff.ts) per locale; en is the fallback. The pages
// speak the manager's language, like the card that links to them.
import type { Locale } from '../domain/mail/templates';

export interface HandoffWords {
  acceptTitle: string;
  backTitle: string;
  acceptIntro: string;
  backIntro: string;
  acceptButton: string;
  backButton: string;
  lead: string;
  leadId: string;
  company: string;
  score: string;
  stage: string;
  deadline: string;
  acceptedTitle: string;
  acceptedText: string;
  sentBackTitle: string;
  sentBackText: string;
  closedTitle: string;
  closed: { accepted: string; declined: string; missed: string; other: string };
  failedTitle: string;
}

export const HANDOFF_WORDS: Record<Locale, HandoffWords> = {
  en: {
    acceptTitle: 'Accept this lead?',
    backTitle: 'Send this lead back?',
    acceptIntro: 'You take this lead on: it becomes yours and leaves the queue of other managers.',
    backIntro: 'You will not take this lead: it goes to the next eligible manager at once.',
    acceptButton: 'Accept the lead',
    backButton: 'Send it back',
    lead: 'Lead',
    leadId: 'Lead id',
    company: 'Company',
    score: 'Score',
    stage: 'Stage',
    deadline: 'Accept by',
    acceptedTitle: 'The lead is yours',
    acceptedText: 'You accepted the lead. When you know how it ends, record the outcome (won, lost or back to nurturing).',
    sentBackTitle: 'The lead was sent back',
    sentBackText: 'The lead goes to the next eligible manager now.',
    closedTitle: 'This link has already been used',
    closed: { accepted: 'This offer was accepted; the lead is with its manager.', declined: 'This offer was sent back; the lead went to another manager.', missed: 'The deadline of this offer passed; the lead went to another manager.', other: 'This offer is closed.' },
    failedTitle: 'Nothing was changed',
  },
  pl: {
    acceptTitle: 'Zaakceptować tego leada?',
    backTitle: 'Odesłać tego leada?',
    acceptIntro: 'Bierzesz tego leada: staje się Twój i znika z kolejki innych handlowców.',
    backIntro: 'Nie bierzesz tego leada: od razu trafi do następnego uprawnionego handlowca.',
    acceptButton: 'Akceptuję leada',
    backButton: 'Odsyłam',
    lead: 'Lead',
    leadId: 'ID leada',
    company: 'Firma',
    score: 'Wynik',
    stage: 'Etap',
    deadline: 'Zaakceptuj do',
    acceptedTitle: 'Lead jest Twój',
    acceptedText: 'Zaakceptowano leada. Gdy poznasz wynik, zapisz go (wygrany, przegrany lub z powrotem do nurturingu).',
    sentBackTitle: 'Lead został odesłany',
    sentBackText: 'Lead trafia teraz do następnego uprawnionego handlowca.',
    closedTitle: 'Ten link został już użyty',
    closed: { accepted: 'Ta oferta została zaakceptowana; lead jest u swojego handlowca.', declined: 'Ta oferta została odesłana; lead trafił do innego handlowca.', missed: 'Termin tej oferty minął; lead trafił do innego handlowca.', other: 'Ta oferta jest zamknięta.' },
    failedTitle: 'Nic nie zostało zmienione',
  },
  ru: {
    acceptTitle: 'Принять этого лида?',
    backTitle: 'Вернуть этого лида?',
    acceptIntro: 'Вы берёте этого лида: он становится вашим и уходит из очереди других менеджеров.',
    backIntro: 'Вы не берёте этого лида: он сразу перейдёт к следующему подходящему менеджеру.',
    acceptButton: 'Принять лида',
    backButton: 'Вернуть',
    lead: 'Лид',
    leadId: 'ID лида',
    company: 'Компания',
    score: 'Оценка',
    stage: 'Этап',
    deadline: 'Принять до',
    acceptedTitle: 'Лид ваш',
    acceptedText: 'Вы приняли лида. Когда будет известен итог, запишите его (сделка, отказ или обратно в прогрев).',
    sentBackTitle: 'Лид возвращён',
    sentBackText: 'Лид переходит к следующему подходящему менеджеру.',
    closedTitle: 'Эта ссылка уже использована',
    closed: { accepted: 'Это предложение принято; лид у своего менеджера.', declined: 'Это предложение возвращено; лид ушёл другому менеджеру.', missed: 'Срок этого предложения истёк; лид ушёл другому менеджеру.', other: 'Это предложение закрыто.' },
    failedTitle: 'Ничего не изменено',
  },
  el: {
    acceptTitle: 'Αποδοχή αυτής της επαφής;',
    backTitle: 'Επιστροφή αυτής της επαφής;',
    acceptIntro: 'Αναλαμβάνετε αυτή την επαφή: γίνεται δική σας και φεύγει από την ουρά των άλλων πωλητών.',
    backIntro: 'Δεν αναλαμβάνετε αυτή την επαφή: πηγαίνει αμέσως στον επόμενο διαθέσιμο πωλητή.',
    acceptButton: 'Αποδοχή της επαφής',
    backButton: 'Επιστροφή',
    lead: 'Επαφή',
    leadId: 'Κωδικός επαφής',
    company: 'Εταιρεία',
    score: 'Βαθμολογία',
    stage: 'Στάδιο',
    deadline: 'Αποδοχή έως',
    acceptedTitle: 'Η επαφή είναι δική σας',
    acceptedText: 'Αποδεχτήκατε την επαφή. Όταν μάθετε την έκβαση, καταχωρίστε την (κέρδος, απώλεια ή πίσω στην καλλιέργεια).',
    sentBackTitle: 'Η επαφή επεστράφη',
    sentBackText: 'Η επαφή πηγαίνει τώρα στον επόμενο διαθέσιμο πωλητή.',
    closedTitle: 'Αυτός ο σύνδεσμος έχει ήδη χρησιμοποιηθεί',
    closed: { accepted: 'Η προσφορά έγινε αποδεκτή· η επαφή είναι στον πωλητή της.', declined: 'Η προσφορά επεστράφη· η επαφή πήγε σε άλλον πωλητή.', missed: 'Η προθεσμία της προσφοράς έληξε· η επαφή πήγε σε άλλον πωλητή.', other: 'Η προσφορά έχει κλείσει.' },
    failedTitle: 'Δεν άλλαξε τίποτα',
  },
};
