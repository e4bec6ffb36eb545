// Spring promotion: the starter plan at a discount, for the whole deferred base, every 1 March.
import { defineOffer } from '../../workflows/offers/define';

export const springStarter = defineOffer({
  id: 'spring-starter',
  name: 'Spring: starter plan -20%',
  schedule: { cron: ['0 9 1 3 *'] },
  path: '/offers/spring-starter',
  content: {
    en: { title: 'Spring offer: the starter plan at 20% off', text: 'A lighter start for teams that said "not yet": the starter plan at 20% off for the first year, until the end of March.' },
    pl: { title: 'Wiosenna oferta: plan startowy 20% taniej', text: 'Lżejszy start dla zespołów, które powiedziały „jeszcze nie”: plan startowy 20% taniej przez pierwszy rok, do końca marca.' },
    ru: { title: 'Весеннее предложение: стартовый тариф со скидкой 20%', text: 'Более лёгкий старт для команд, которые сказали «пока нет»: стартовый тариф со скидкой 20% на первый год, до конца марта.' },
    el: { title: 'Ανοιξιάτικη προσφορά: το βασικό πακέτο με 20% έκπτωση', text: 'Ένα πιο ελαφρύ ξεκίνημα για ομάδες που είπαν «όχι ακόμα»: το βασικό πακέτο με 20% έκπτωση για τον πρώτο χρόνο, έως το τέλος Μαρτίου.' },
  },
});
