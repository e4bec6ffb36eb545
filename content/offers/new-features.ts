// New product features, twice a year, for the Polish- and Greek-speaking deferred base first.
import { defineOffer } from '../../workflows/offers/define';

export const newFeatures = defineOffer({
  id: 'new-features',
  name: 'What is new: reporting and integrations',
  schedule: { cron: ['0 10 15 4,10 *'] },
  audience: { locales: ['pl', 'el'] },
  concurrency: 10,
  path: '/whats-new',
  content: {
    en: { title: 'New: reporting and integrations', text: 'Since we last spoke we added scheduled reports and twelve new integrations. A 30-day trial is yours if you want to look again.' },
    pl: { title: 'Nowość: raporty i integracje', text: 'Od naszej ostatniej rozmowy dodaliśmy raporty cykliczne i dwanaście nowych integracji. Jeśli chcesz spojrzeć jeszcze raz, 30 dni próbnych czeka.' },
    el: { title: 'Νέο: αναφορές και ενσωματώσεις', text: 'Από την τελευταία μας επικοινωνία προσθέσαμε προγραμματισμένες αναφορές και δώδεκα νέες ενσωματώσεις. Μια δοκιμή 30 ημερών σας περιμένει.' },
  },
});
