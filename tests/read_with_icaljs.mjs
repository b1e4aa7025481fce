// Reads an iCalendar document on stdin with Mozilla's ical.js (Thunderbird's parser) and
// prints, as JSON, each event's UID, start and end as UTC instants, summary and alarms.
import ICAL from "ical.js";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;

const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    start_zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    summary: event.summary,
    alarms: component.getAllSubcomponents("valarm").map((alarm) =>
      alarm.getFirstPropertyValue("trigger").toString()
    ),
  };
});
process.stdout.write(JSON.stringify({ name: calendar.getFirstPropertyValue("name"), events }));
